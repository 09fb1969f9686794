package io.recsys.server.evaluation.obd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObdFilesTest {
  private static final String HEADER = ",timestamp,item_id,position,click,propensity_score,user_feature_0\n";

  @TempDir Path dir;

  @Test
  void readsRoundsInTheDatasetsFormat() throws IOException {
    Path log = write("log.csv", HEADER
        + "0,2019-11-24 00:03:13.442536+00:00,3,1,0,0.029411764705882353,abc\n"
        + "1,2019-11-24 00:03:13.442536+00:00,0,3,1,0.5,def\n");

    List<ObdRound> rounds = ObdFiles.readLog(log, 4);

    assertThat(rounds).containsExactly(new ObdRound(3, 1, false, 0.029411764705882353), new ObdRound(0, 3, true, 0.5));
  }

  @Test
  void malformedRowsAreRefusedWithTheirLineNumber() throws IOException {
    assertRefused(HEADER + "0,t,3,1,0,0.5,a\n1,t,9,1,0,0.5,a\n", ":3: item_id must be in [0, 3], got 9");
    assertRefused(HEADER + "0,t,3,4,0,0.5,a\n", ":2: position must be in [1, 3], got 4");
    assertRefused(HEADER + "0,t,3,1,2,0.5,a\n", ":2: click must be in [0, 1], got 2");
    assertRefused(HEADER + "0,t,3,1,0,0,a\n", ":2: propensity_score must be in (0, 1], got 0.0");
    assertRefused(HEADER + "0,t,3,1,0,high,a\n", ":2: propensity_score is not a number: 'high'");
    assertRefused(HEADER + "0,t,x,1,0,0.5,a\n", ":2: item_id is not an integer: 'x'");
    assertRefused(HEADER + "0,t,3,1,0,0.5\n", ":2: expected 7 columns, found 6");
    assertRefused(",item_id,position,click\n0,1,1,0\n", ":1: missing column propensity_score");
  }

  @Test
  void theItemContextGivesTheNumberOfItems() throws IOException {
    Path context = write("items.csv", ",item_id,item_feature_0\n0,0,-0.6\n1,1,0.2\n2,2,0.1\n");

    assertThat(ObdFiles.itemCount(context)).isEqualTo(3);
  }

  @Test
  void theUniformPolicysWeightsAreTheRatioOfTargetToLoggingProbability() {
    List<ObdRound> rounds = List.of(new ObdRound(0, 1, true, 0.5), new ObdRound(1, 2, false, 0.125));

    var samples = ObdEvaluation.decisions(rounds, ObdEvaluation.uniformPolicy(4), 4, 10).resample(new int[] {0, 1});

    assertThat(samples[0].weight()).isEqualTo(0.5);
    assertThat(samples[1].weight()).isEqualTo(2.0);
    assertThat(samples[0].reward()).isEqualTo(1.0);
  }

  @Test
  void theBtsPolicyIsTheShareOfEachItemAtEachPositionInItsLog() {
    List<ObdRound> bts = List.of(new ObdRound(0, 1, false, 0.9), new ObdRound(0, 1, true, 0.9), new ObdRound(2, 1, false, 0.1),
        new ObdRound(3, 2, false, 0.5));
    double[][] policy = ObdEvaluation.empiricalPolicy(bts, 4);
    List<ObdRound> random = List.of(new ObdRound(0, 1, true, 0.25), new ObdRound(1, 1, false, 0.25));

    var samples = ObdEvaluation.decisions(random, policy, 4, 10).resample(new int[] {0, 1});

    assertThat(policy[1]).containsExactly(2 / 3.0, 0, 1 / 3.0, 0);
    assertThat(policy[2]).containsExactly(0, 0, 0, 1);
    assertThat(samples[0].weight()).isEqualTo((2 / 3.0) / 0.25);
    assertThat(samples[1].weight()).isZero();
  }

  private void assertRefused(String content, String message) throws IOException {
    Path log = write("bad.csv", content);
    assertThatThrownBy(() -> ObdFiles.readLog(log, 4)).isInstanceOf(ObdFormatException.class).hasMessageContaining(message);
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
