package io.recsys.loadtest;

import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServeCommand;
import io.recsys.server.ops.ServerConfig;
import io.recsys.server.storage.DataDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The real server in this JVM, on a free port, over a generated catalog in a temp data dir. */
public final class InProcessServer implements AutoCloseable {
  private final RecsysServer server;
  private final Path dataDir;

  private InProcessServer(RecsysServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  /** A server over a generated catalog with the given batching (1: off), greedy lists. */
  public static InProcessServer startGenerated(int items, int maxBatchSize) throws IOException {
    Path dir = Files.createTempDirectory("recsys-load-");
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), generatedCatalog(items));
    ServerConfig defaults = ServerConfig.defaults(dir.resolve("data"));
    ServerConfig config =
        defaults.withPort(0).withCatalogFile(catalog).withBatching(maxBatchSize, defaults.maxQueueDelay());
    return new InProcessServer(RecsysServer.start(config), dir.resolve("data"));
  }

  /** A catalog CSV of {@code items} short generated titles with a spread of popularity. */
  public static String generatedCatalog(int items) {
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    for (int i = 0; i < items; i++) {
      csv.append("item-").append(i).append(",Benchmark item number ").append(i).append(',').append(i % 97).append('\n');
    }
    return csv.toString();
  }

  /** @param items catalog size; every title is short, so embedding them takes seconds */
  public static InProcessServer start(int items, FsyncPolicy fsync) throws IOException {
    return start(items, fsync, Optional.empty());
  }

  /** As {@link #start(int, FsyncPolicy)}, with the feedback log on Kafka when {@code kafkaLog} is given. */
  public static InProcessServer start(int items, FsyncPolicy fsync, Optional<KafkaLogSettings> kafkaLog) throws IOException {
    Path dir = Files.createTempDirectory("recsys-bench-");
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), generatedCatalog(items));
    ServerConfig defaults = ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(catalog);
    ServerConfig config = defaults.toBuilder().feedback(defaults.feedback().withFsync(fsync)).kafkaLog(kafkaLog).build();
    return new InProcessServer(RecsysServer.start(config), dir.resolve("data"));
  }

  /**
   * The server over the embedded goodbooks-10k catalog, learning on or off. {@code embeddingCache}
   * (another run's {@code embeddings.bin}), if present, spares embedding the catalog again.
   */
  public static InProcessServer startEmbeddedCatalog(boolean learning, Path embeddingCache) throws IOException {
    return startEmbeddedCatalog(List.of("--learning", learning ? "on" : "off"), embeddingCache);
  }

  /**
   * The server over the embedded goodbooks-10k catalog as {@code serve} with {@code serveFlags}
   * would start it (port and data dir are this method's).
   */
  public static InProcessServer startEmbeddedCatalog(List<String> serveFlags, Path embeddingCache) throws IOException {
    Path dataDir = Files.createTempDirectory("recsys-sim-").resolve("data");
    Files.createDirectories(dataDir);
    if (embeddingCache != null && Files.exists(embeddingCache)) {
      Files.copy(embeddingCache, DataDirectory.embeddingCacheOf(dataDir));
    }
    List<String> args = new ArrayList<>(serveFlags);
    args.addAll(List.of("--port", "0", "--data-dir", dataDir.toString()));
    return new InProcessServer(RecsysServer.start(ServeCommand.configFrom(args.toArray(String[]::new))), dataDir);
  }

  /** The data dir's embedding cache, for the next server over the same catalog. */
  public Path embeddingCache() {
    return DataDirectory.embeddingCacheOf(dataDir);
  }

  public String target() {
    return "localhost:" + server.port();
  }

  @Override
  public void close() {
    server.stop();
  }
}
