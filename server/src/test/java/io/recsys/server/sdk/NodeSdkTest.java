package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.api.VectorCatalogServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node SDK ({@code client-sdk/node}) against a real server: its {@code node --test} suite runs
 * with {@code RECSYS_TARGET} pointing at a {@link ConnectionCutter} that severs every connection
 * three times while the suite streams 3,000 clicks, so the SDK's feedback stream has to reconnect
 * and resend exactly what was not acknowledged; the server must then hold each event once.
 *
 * <p>Skipped when node or the SDK's {@code node_modules} is missing, unless {@code
 * RECSYS_REQUIRE_SDK_TESTS=1} (see {@link SdkSuite}). A missing {@code dist} is built with {@code
 * npm run build}.
 */
class NodeSdkTest {
  private static final long NODE_TIMEOUT_SECONDS = 180;
  private static final long BUILD_TIMEOUT_SECONDS = 180;

  @TempDir Path dir;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void theNodeSdkSuitePassesThroughConnectionCutsAndEachEventCountsOnce() throws Exception {
    Path sdk = SdkSuite.sdkDirectory("node");
    SdkSuite.need(Files.isRegularFile(sdk.resolve("package.json")), "no Node SDK at " + sdk);
    SdkSuite.need(SdkSuite.works(sdk, dir.resolve("probe.log"), "node", "--version"), "node is not on the PATH");
    SdkSuite.need(Files.isDirectory(sdk.resolve("node_modules")), "no node_modules in " + sdk + " (run npm ci there)");
    if (!Files.isRegularFile(sdk.resolve("dist").resolve("index.js"))) {
      SdkSuite.Result build =
          SdkSuite.run(sdk, List.of("npm", "run", "build"), Map.of(), BUILD_TIMEOUT_SECONDS, dir.resolve("build.log"));
      assertThat(build.exitCode()).as("npm run build:%n%s", build.output()).isZero();
    }

    Path result = dir.resolve("node-result.txt");
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    try (VectorCatalogServer server = VectorCatalogServer.start(serverDir, 1, 500, 16, "item-", c -> c);
        ConnectionCutter cutter = ConnectionCutter.start(server.server.port())) {
      cutter.cutEvery(40_000, 3);
      Map<String, String> env =
          Map.of(
              "RECSYS_TARGET", "127.0.0.1:" + cutter.port(),
              "RECSYS_DIRECT_TARGET", "127.0.0.1:" + server.server.port(),
              "RECSYS_RESULT_FILE", result.toString());
      SdkSuite.Result tests =
          SdkSuite.run(sdk, List.of("node", "--test", "test/"), env, NODE_TIMEOUT_SECONDS, dir.resolve("node-test.log"));
      System.out.println("node --test test/ (" + cutter.cuts() + " cuts):\n" + tests.output());

      assertThat(tests.exitCode()).as("node --test test/ (exit %d):%n%s", tests.exitCode(), tests.output()).isZero();
      assertThat(cutter.cuts()).as("connection cuts during the suite").isGreaterThanOrEqualTo(1);
      assertThat(result).as("result file written by the feedback test").exists();
      long distinct = Long.parseLong(Files.readString(result).trim());
      assertThat(distinct).isEqualTo(3_000);
      assertThat(server.client.status().getFeedbackEventsDurable())
          .as("events the server made durable vs. distinct events the SDK had acknowledged")
          .isEqualTo(distinct);
    }
  }
}
