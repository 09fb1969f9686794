package io.recsys.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.recsys.server.Main;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.ReactionType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LoggedImpressionsTest {
  @TempDir Path dataDir;

  private static final List<LogRecord> LOG =
      List.of(
          impression("e1", "a", "b", "c"),
          feedback("e1", "a", ReactionType.CLICK),
          feedback("e1", "a", ReactionType.PURCHASE),
          feedback("e1", "c", ReactionType.SKIP),
          impression("e2", "b", "a"),
          feedback("e2", "a", ReactionType.DWELL));

  @Test
  void everyShownItemBecomesADecisionWithTheRewardItEarned() {
    LoggedImpressions logged = new LoggedImpressions(RewardFunction.defaults());
    LOG.forEach(logged::accept);

    List<LoggedImpressions.Decision> decisions = logged.decisions();

    assertThat(decisions).extracting(LoggedImpressions.Decision::itemId).containsExactly("a", "b", "c", "b", "a");
    assertThat(decisions).extracting(LoggedImpressions.Decision::reward)
        .containsExactly(1.0, 0.5, 0.0, 0.5, 0.5); // dwell of 15 s is half a click
    assertThat(decisions.get(2).position()).isEqualTo(2);
  }

  @Test
  void theOpeCommandEvaluatesTheLoggedPolicyOnItsOwnLogAsItsMeanReward() throws Exception {
    try (SegmentedFeedbackLog log =
        SegmentedFeedbackLog.open(dataDir.resolve("feedback-log"), SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      for (LogRecord record : LOG) {
        log.append(record).get();
      }
    }
    Path out = dataDir.resolve("ope.json");

    int exit = new CommandLine(new Main()).execute("ope", "--data-dir", dataDir.toString(), "--bootstrap", "200", "--json", out.toString());

    assertThat(exit).isZero();
    JsonObject result = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    assertThat(result.get("decisions").getAsInt()).isEqualTo(5);
    double mean = result.get("logged_mean_reward").getAsDouble();
    assertThat(mean).isCloseTo(0.5, within(1e-9));
    JsonObject ips = result.getAsJsonObject("estimators").getAsJsonObject("ips");
    assertThat(ips.get("estimate").getAsDouble()).isCloseTo(mean, within(1e-9));
    assertThat(ips.get("ci_low").getAsDouble()).isLessThanOrEqualTo(mean);
    assertThat(result.getAsJsonArray("warnings")).isEmpty();
    // Per list: the on-policy value of a list is its mean total reward, for every list estimator.
    assertThat(result.get("lists").getAsInt()).isEqualTo(2);
    JsonObject lists = result.getAsJsonObject("list_estimators");
    assertThat(lists.keySet()).containsExactly("slate_ips", "slate_rips", "slate_snrips");
    for (String estimator : lists.keySet()) {
      assertThat(lists.getAsJsonObject(estimator).get("estimate").getAsDouble()).isCloseTo(mean * 5 / 2, within(1e-9));
    }
  }

  @Test
  void shuffledOnADeterministicLogWarnsThatIpsLacksSupport() throws Exception {
    try (SegmentedFeedbackLog log =
        SegmentedFeedbackLog.open(dataDir.resolve("feedback-log"), SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      for (LogRecord record : LOG) {
        log.append(record).get();
      }
    }
    Path out = dataDir.resolve("ope.json");

    new CommandLine(new Main()).execute("ope", "--data-dir", dataDir.toString(), "--policy", "shuffled", "--bootstrap", "100", "--json", out.toString());

    JsonObject result = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    assertThat(result.getAsJsonArray("warnings").get(0).getAsString()).contains("no exploration");
  }

  private static LogRecord impression(String event, String... items) {
    ImpressionRecord.Builder impression = ImpressionRecord.newBuilder().setEventId(event).setUserId("u").setModelVersion("v1");
    for (String item : items) {
      impression.addItemIds(item).addPropensities(1f);
    }
    return LogRecord.newBuilder().setImpression(impression).build();
  }

  private static LogRecord feedback(String event, String item, ReactionType type) {
    return LogRecord.newBuilder()
        .setFeedback(FeedbackRecord.newBuilder().setEventId(event).setUserId("u").setItemId(item).setType(type.number()).setDwellSeconds(15))
        .build();
  }
}
