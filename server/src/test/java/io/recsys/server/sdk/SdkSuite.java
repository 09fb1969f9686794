package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.recsys.server.api.VectorCatalogServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs another language's SDK suite as a child process, for the tests that check an SDK against a
 * real server. A missing prerequisite (interpreter, dependencies) skips the test, unless {@code
 * RECSYS_REQUIRE_SDK_TESTS=1} (as {@code .ci/run} sets it), which makes it a failure.
 */
final class SdkSuite {
  static final boolean REQUIRED = "1".equals(System.getenv("RECSYS_REQUIRE_SDK_TESTS"));

  private SdkSuite() {}

  /** The SDK directory {@code client-sdk/<name>}; Surefire runs in the server module beside it. */
  static Path sdkDirectory(String name) {
    return Path.of("..", "client-sdk", name).toAbsolutePath().normalize();
  }

  /** Skips (or fails, when required) unless {@code condition} holds. */
  static void need(boolean condition, String why) {
    if (condition) {
      return;
    }
    if (REQUIRED) {
      fail(why + " (RECSYS_REQUIRE_SDK_TESTS=1)");
    }
    Assumptions.assumeTrue(false, why);
  }

  record Result(int exitCode, String output) {
    boolean succeeded() {
      return exitCode == 0;
    }
  }

  /** Events the SDK suites' feedback test streams through the cutter. */
  static final long STREAMED_EVENTS = 3_000;

  /** What a suite run through the cutter left: its output, the cuts, its result file, the events the server made durable. */
  record CutRun(Result suite, long cuts, Path resultFile, long durable) {}

  /**
   * Runs an SDK's suite against a real server through a {@link ConnectionCutter} that severs every
   * connection three times; the suite finds the proxy in {@code RECSYS_TARGET}, the server itself
   * in {@code RECSYS_DIRECT_TARGET}, and writes the distinct events it had acknowledged to {@code
   * RECSYS_RESULT_FILE}.
   */
  static CutRun runThroughCutter(Path dir, Path sdk, List<String> command, Map<String, String> extraEnv, long timeoutSeconds)
      throws Exception {
    Path result = dir.resolve("suite-result.txt");
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    try (VectorCatalogServer server = VectorCatalogServer.start(serverDir, 1, 500, 16, "item-", c -> c);
        ConnectionCutter cutter = ConnectionCutter.start(server.server.port())) {
      cutter.cutEvery(40_000, 3);
      Map<String, String> env = new HashMap<>(extraEnv);
      env.put("RECSYS_TARGET", "127.0.0.1:" + cutter.port());
      env.put("RECSYS_DIRECT_TARGET", "127.0.0.1:" + server.server.port());
      env.put("RECSYS_RESULT_FILE", result.toString());
      Result suite = run(sdk, command, env, timeoutSeconds, dir.resolve("suite.log"));
      System.out.println(String.join(" ", command) + " (" + cutter.cuts() + " cuts):\n" + suite.output());
      return new CutRun(suite, cutter.cuts(), result, server.client.status().getFeedbackEventsDurable());
    }
  }

  /**
   * The suite passed through at least one cut, acknowledged each of the streamed events once, and
   * the server holds exactly those, plus {@code otherDurable} the suite sent by other calls.
   */
  static void assertEachEventStoredOnce(CutRun run, long otherDurable) throws IOException {
    Result suite = run.suite();
    assertThat(suite.exitCode()).as("the suite (exit %d):%n%s", suite.exitCode(), suite.output()).isZero();
    assertThat(run.cuts()).as("connection cuts during the suite").isGreaterThanOrEqualTo(1);
    assertThat(run.resultFile()).as("result file written by the feedback test").exists();
    long distinct = Long.parseLong(Files.readString(run.resultFile()).trim());
    assertThat(distinct).isEqualTo(STREAMED_EVENTS);
    assertThat(run.durable())
        .as("events the server made durable vs. distinct events the SDK had acknowledged")
        .isEqualTo(distinct + otherDurable);
  }

  /** Whether {@code command} runs and exits 0 within 30 s. */
  static boolean works(Path workDir, Path log, String... command) {
    try {
      return run(workDir, List.of(command), Map.of(), 30, log).succeeded();
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs {@code command} in {@code workDir}, its output (stdout and stderr) into {@code log}; exit 124 on timeout. */
  static Result run(Path workDir, List<String> command, Map<String, String> env, long timeoutSeconds, Path log)
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
