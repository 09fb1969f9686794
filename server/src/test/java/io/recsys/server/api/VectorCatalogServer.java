package io.recsys.server.api;

import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * A real server on a socket over a {@link RandomVectorCatalog} (no language model, so it starts in
 * well under a second), with a client of it; closing stops both.
 */
public final class VectorCatalogServer implements AutoCloseable {
  public final RecsysServer server;
  public final RecsysClient client;

  private VectorCatalogServer(RecsysServer server) {
    this.server = server;
    this.client = RecsysClient.builder("localhost:" + server.port()).build();
  }

  /**
   * Starts on {@code items} random {@code dimension}-d items ids {@code prefix0, prefix1, ...}
   * (seeded), with the data dir and catalog file under {@code dir}; {@code settings} adjusts the
   * defaults (port 0 is already set).
   */
  public static VectorCatalogServer start(Path dir, long seed, int items, int dimension, String prefix, UnaryOperator<ServerConfig> settings)
      throws IOException {
    Path catalog = Files.writeString(dir.resolve("catalog.jsonl"), RandomVectorCatalog.jsonl(seed, items, dimension, prefix));
    return new VectorCatalogServer(
        RecsysServer.start(settings.apply(ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(catalog))));
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
