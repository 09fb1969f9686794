package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
