package io.recsys.loadtest.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The harness itself, on the faults any machine can make (the full chaos run, disk faults
 * included, is a step of .ci/run): a real server as a child process, killed and restarted, and a
 * client that vanishes; the checks must see traffic and find nothing lost.
 */
class ChaosCommandTest {
  @Test
  void aKilledServerAndAVanishedClientLoseNothingAcknowledged() throws Exception {
    ChaosCommand chaos = new ChaosCommand();
    new CommandLine(chaos).parseArgs("--cycles", "1", "--faults", "kill9,client-vanishes");

    ChaosCommand.Result result = chaos.run();

    assertThat(result.passed()).isTrue();
    assertThat(result.lost()).isZero();
    assertThat(result.duplicated()).isZero();
    assertThat(result.byFault().keySet()).containsExactly("kill9", "client-vanishes");
    assertThat(result.byFault().get("kill9").acked).as("events acknowledged before the kill, checked after").isPositive();
    assertThat(result.byFault().get("kill9").recoverySeconds).hasSize(1).allMatch(seconds -> seconds > 0 && seconds < 60);
    assertThat(result.acked()).isGreaterThan(100);
  }

  @Test
  void percentilesAreOfTheSortedValues() {
    assertThat(ChaosCommand.percentile(List.of(3.0, 1.0, 2.0, 4.0), 0.5)).isEqualTo(2.0);
    assertThat(ChaosCommand.percentile(List.of(3.0, 1.0, 2.0, 4.0), 0.99)).isEqualTo(4.0);
    assertThat(ChaosCommand.percentile(List.of(), 0.5)).isNaN();
  }
}
