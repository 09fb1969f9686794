package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.recsys.server.api.VectorCatalogServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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
 * RECSYS_REQUIRE_SDK_TESTS=1}, which makes those a failure. A missing {@code dist} is built with
 * {@code npm run build}.
 */
class NodeSdkTest {
  private static final long NODE_TIMEOUT_SECONDS = 180;
  private static final long BUILD_TIMEOUT_SECONDS = 180;

  @TempDir Path dir;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void theNodeSdkSuitePassesThroughConnectionCutsAndEachEventCountsOnce() throws Exception {
    boolean required = "1".equals(System.getenv("RECSYS_REQUIRE_SDK_TESTS"));
    // Surefire runs in the server module; the SDK sits beside it.
    Path sdk = Path.of("..", "client-sdk", "node").toAbsolutePath().normalize();
    need(required, Files.isRegularFile(sdk.resolve("package.json")), "no Node SDK at " + sdk);
    need(required, works(sdk, "node", "--version"), "node is not on the PATH");
    need(required, Files.isDirectory(sdk.resolve("node_modules")), "no node_modules in " + sdk + " (run npm ci there)");
    if (!Files.isRegularFile(sdk.resolve("dist").resolve("index.js"))) {
      Result build = run(sdk, List.of("npm", "run", "build"), Map.of(), BUILD_TIMEOUT_SECONDS, dir.resolve("build.log"));
      assertThat(build.exitCode).as("npm run build:%n%s", build.output).isZero();
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
      Result tests = run(sdk, List.of("node", "--test", "test/"), env, NODE_TIMEOUT_SECONDS, dir.resolve("node-test.log"));
      System.out.println("node --test test/ (" + cutter.cuts() + " cuts):\n" + tests.output);

      assertThat(tests.exitCode).as("node --test test/ (exit %d):%n%s", tests.exitCode, tests.output).isZero();
      assertThat(cutter.cuts()).as("connection cuts during the suite").isGreaterThanOrEqualTo(1);
      assertThat(result).as("result file written by the feedback test").exists();
      long distinct = Long.parseLong(Files.readString(result).trim());
      assertThat(distinct).isEqualTo(3_000);
      assertThat(server.client.status().getFeedbackEventsDurable())
          .as("events the server made durable vs. distinct events the SDK had acknowledged")
          .isEqualTo(distinct);
    }
  }

  private static void need(boolean required, boolean condition, String why) {
    if (condition) {
      return;
    }
    if (required) {
      fail(why + " (RECSYS_REQUIRE_SDK_TESTS=1)");
    }
    Assumptions.assumeTrue(false, why);
  }

  private boolean works(Path workDir, String... command) {
    try {
      return run(workDir, List.of(command), Map.of(), 30, dir.resolve("probe.log")).exitCode == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private record Result(int exitCode, String output) {}

  /** Runs {@code command} in {@code workDir}, its output (stdout and stderr) into {@code log}; exit 124 on timeout. */
  private static Result run(Path workDir, List<String> command, Map<String, String> env, long timeoutSeconds, Path log)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    int exitCode;
    if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      exitCode = process.exitValue();
    } else {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      exitCode = 124;
    }
    String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    if (exitCode == 124) {
      output += "\n[timed out after " + timeoutSeconds + " s]";
    }
    return new Result(exitCode, output);
  }
}
