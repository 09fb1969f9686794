package io.recsys.loadtest;

import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real server in this JVM, on a free port, over a generated catalog in a temp data dir. */
public final class InProcessServer implements AutoCloseable {
  private final RecsysServer server;

  private InProcessServer(RecsysServer server) {
    this.server = server;
  }

  /** @param items catalog size; every title is short, so embedding them takes seconds */
  public static InProcessServer start(int items, FsyncPolicy fsync) throws IOException {
    Path dir = Files.createTempDirectory("recsys-bench-");
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    for (int i = 0; i < items; i++) {
      csv.append("item-").append(i).append(",Benchmark item number ").append(i).append(',').append(i % 97).append('\n');
    }
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
    ServerConfig defaults = ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(catalog);
    return new InProcessServer(RecsysServer.start(defaults.withFeedback(defaults.feedback().withFsync(fsync))));
  }

  public String target() {
    return "localhost:" + server.port();
  }

  @Override
  public void close() {
    server.stop();
  }
}
