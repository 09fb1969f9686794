package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;

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

    List<String> command = List.of(python.get(), "-m", "unittest", "discover", "-v", "-s", "tests", "-t", ".");
    SdkSuite.CutRun run =
        SdkSuite.runThroughCutter(dir, sdk, command, Map.of("PYTHONDONTWRITEBYTECODE", "1"), SUITE_TIMEOUT_SECONDS);

    assertThat(run.suite().output()).as("no test skipped against the server").doesNotContain("skipped '");
    // The suite's two ReportFeedback events count too (durable counts arrivals: a forget does not lower it).
    SdkSuite.assertEachEventStoredOnce(run, 2);
  }

  private Optional<String> python(Path sdk) {
    Stream<String> candidates =
        Optional.ofNullable(System.getenv("RECSYS_PYTHON")).map(Stream::of).orElseGet(() -> Stream.of("python3", "/usr/bin/python3"));
    return candidates
        .filter(p -> SdkSuite.works(sdk, dir.resolve("probe.log"), p, "-c", "import grpc, grpc_tools"))
        .findFirst();
  }
}
