package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;

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

    SdkSuite.CutRun run =
        SdkSuite.runThroughCutter(dir, sdk, List.of("node", "--test", "test/"), Map.of(), NODE_TIMEOUT_SECONDS);

    // The suite's click of the user it forgets counts too (durable counts arrivals: a forget does not lower it).
    SdkSuite.assertEachEventStoredOnce(run, 1);
  }
}
