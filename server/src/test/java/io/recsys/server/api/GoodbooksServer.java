package io.recsys.server.api;

import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.server.policy.Exploration;
import io.recsys.server.storage.DataDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One server over the embedded goodbooks-10k catalog on a real socket, shared by every test class
 * that asks for a {@link RecsysClient} parameter: embedding 10,000 titles takes most of a minute
 * on two cores, so it happens once per test run. Tests use their own user ids so they do not see
 * each other's feedback.
 */
final class GoodbooksServer implements ParameterResolver {
  /** The shared server's data dir, once it started: its embedding cache seeds untouched servers. */
  private static volatile Path sharedDataDir;

  /**
   * A second server over the same catalog that no other test's users have taught anything (the
   * population prior and the items' learned parameters are shared by every user of a server, by
   * design), started in seconds from the shared server's embedding cache. The caller stops it.
   * Needs the shared server started first (ask for a {@link RecsysClient} in {@code @BeforeAll}).
   */
  static RecsysServer startUntouched() throws IOException {
    if (sharedDataDir == null) {
      throw new IllegalStateException("the shared goodbooks server has not started yet");
    }
    Path dataDir = Files.createTempDirectory("recsys-goodbooks-untouched-");
    Files.copy(DataDirectory.embeddingCacheOf(sharedDataDir), DataDirectory.embeddingCacheOf(dataDir));
    return start(dataDir);
  }

  private static RecsysServer start(Path dataDir) throws IOException {
    // Greedy lists, so tests can assert exact rankings.
    return RecsysServer.start(ServerConfig.defaults(dataDir).withPort(0).withExploration(Exploration.GREEDY));
  }
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RecsysClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Running.class, key -> Running.start(), Running.class)
        .client;
  }

  /** The server and a client of it, stopped when the test run ends. */
  private static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final RecsysServer server;
    private final RecsysClient client;

    private Running(RecsysServer server) {
      this.server = server;
      this.client = RecsysClient.builder("localhost:" + server.port()).build();
    }

    static Running start() {
      try {
        Path dataDir = Files.createTempDirectory("recsys-goodbooks-");
        Running running = new Running(GoodbooksServer.start(dataDir));
        sharedDataDir = dataDir;
        return running;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      client.close();
      server.stop();
    }
  }
}
