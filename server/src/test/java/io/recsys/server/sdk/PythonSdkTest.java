package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.api.VectorCatalogServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python SDK ({@code client-sdk/python}) against a real server: its stubs are generated from
 * our protos, then its unittest suite runs, the fake-server tests of the feedback stream and the
 * ones against this server, reached through a {@link ConnectionCutter} that severs every
 * connection three times while the suite streams 3,000 clicks. The server must then hold each
 * event once.
 *
 * <p>The interpreter is {@code RECSYS_PYTHON}, else the first of {@code python3} on the PATH and
 * {@code /usr/bin/python3} that can import grpc and grpc_tools (Debian's python3-grpcio and
 * python3-grpc-tools). None: skipped, unless {@code RECSYS_REQUIRE_SDK_TESTS=1}.
 */
class PythonSdkTest {
  private static final long SUITE_TIMEOUT_SECONDS = 240;

  @TempDir Path dir;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void thePythonSdkSuitePassesThroughConnectionCutsAndEachEventCountsOnce() throws Exception {
    Path sdk = SdkSuite.sdkDirectory("python");
    SdkSuite.need(Files.isRegularFile(sdk.resolve("generate.py")), "no Python SDK at " + sdk);
    Optional<String> python = python(sdk);
    SdkSuite.need(python.isPresent(), "no python3 that imports grpc and grpc_tools (set RECSYS_PYTHON)");
    SdkSuite.Result generate =
        SdkSuite.run(sdk, List.of(python.get(), "generate.py"), Map.of(), 60, dir.resolve("generate.log"));
    assertThat(generate.exitCode()).as("python3 generate.py:%n%s", generate.output()).isZero();

    Path result = dir.resolve("python-result.txt");
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    try (VectorCatalogServer server = VectorCatalogServer.start(serverDir, 1, 500, 16, "item-", c -> c);
        ConnectionCutter cutter = ConnectionCutter.start(server.server.port())) {
      cutter.cutEvery(40_000, 3);
      Map<String, String> env =
          Map.of(
              "RECSYS_TARGET", "127.0.0.1:" + cutter.port(),
              "RECSYS_DIRECT_TARGET", "127.0.0.1:" + server.server.port(),
              "RECSYS_RESULT_FILE", result.toString(),
              "PYTHONDONTWRITEBYTECODE", "1");
      List<String> command = List.of(python.get(), "-m", "unittest", "discover", "-v", "-s", "tests", "-t", ".");
      SdkSuite.Result tests = SdkSuite.run(sdk, command, env, SUITE_TIMEOUT_SECONDS, dir.resolve("python-test.log"));
      System.out.println("python3 -m unittest (" + cutter.cuts() + " cuts):\n" + tests.output());

      assertThat(tests.exitCode()).as("python3 -m unittest (exit %d):%n%s", tests.exitCode(), tests.output()).isZero();
      assertThat(tests.output()).as("no test skipped against the server").doesNotContain("skipped '");
      assertThat(cutter.cuts()).as("connection cuts during the suite").isGreaterThanOrEqualTo(1);
      assertThat(result).as("result file written by the feedback test").exists();
      long distinct = Long.parseLong(Files.readString(result).trim());
      assertThat(distinct).isEqualTo(3_000);
      // The suite's one ReportFeedback event counts too.
      assertThat(server.client.status().getFeedbackEventsDurable())
          .as("events the server made durable vs. distinct events the SDK had acknowledged")
          .isEqualTo(distinct + 1);
    }
  }

  private Optional<String> python(Path sdk) {
    Stream<String> candidates =
        Optional.ofNullable(System.getenv("RECSYS_PYTHON")).map(Stream::of).orElseGet(() -> Stream.of("python3", "/usr/bin/python3"));
    return candidates
        .filter(p -> SdkSuite.works(sdk, dir.resolve("probe.log"), p, "-c", "import grpc, grpc_tools"))
        .findFirst();
  }
}
