package io.recsys.loadtest.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bench on a small log: the calls it times did what it says, and the probe saw acks. */
class ErasureBenchCommandTest {
  @TempDir Path dir;

  @Test
  void theBenchForgetsAUserItsLogHoldsAndTheNoOpsFindNothing() throws Exception {
    Path json = dir.resolve("erasure.json");
    int exit = new CommandLine(new ErasureBenchCommand())
        .execute("--events", "20000", "--users", "300", "--items", "500", "--steady-seconds", "1", "--heap", "1g",
            "--dir", dir.resolve("run").toString(), "--json", json.toString());

    JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertThat(report.get("probe_failure").getAsString()).as("every click of the probe accepted, before, during and after").isEmpty();
    assertThat(exit).isZero();
    assertThat(report.get("export_result").getAsString()).matches("[1-9]\\d* lists, \\d+ reactions");
    assertThat(report.get("forget_result").getAsString()).matches("[1-9]\\d* log records erased");
    assertThat(report.get("forget_again_result").getAsString()).isEqualTo("nothing found");
    assertThat(report.get("forget_stranger_result").getAsString()).isEqualTo("nothing found");
    assertThat(report.get("forget_seconds").getAsDouble()).isPositive();
    assertThat(report.get("steady_acks").getAsLong()).as("the probe's clicks were acknowledged").isPositive();
    assertThat(report.get("steady_after_refused").getAsLong()).isZero();
    assertThat(report.get("steady_after_acks").getAsLong()).as("and after the erasures").isPositive();
  }
}
