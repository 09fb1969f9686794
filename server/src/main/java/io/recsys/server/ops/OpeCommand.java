package io.recsys.server.ops;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.recsys.server.evaluation.Estimate;
import io.recsys.server.evaluation.EstimateJson;
import io.recsys.server.evaluation.Estimator;
import io.recsys.server.evaluation.LogPolicies;
import io.recsys.server.evaluation.LoggedImpressions;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.evaluation.SlateEstimator;
import io.recsys.server.evaluation.SlateSample;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.storage.DataDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ope}: a target policy's value estimated from the server's own feedback log, per shown
 * item (IPS, SNIPS, DM, DR, SNDR, switch-DR, DR-OS) and per list (slate IPS, RIPS, SNRIPS), with
 * bootstrap intervals, effective sample sizes and clipping to the reward range. Reads the log without locking it, so it runs beside a live
 * server.
 */
@Command(
    name = "ope",
    mixinStandardHelpOptions = true,
    description = "Off-policy evaluation on the server's own impressions and feedback.")
public final class OpeCommand implements Callable<Integer> {
  @Option(names = "--data-dir", description = "The server's data dir (default: ${DEFAULT-VALUE}).", defaultValue = "./data")
  Path dataDir;

  @Option(names = "--policy", description = "logged (on-policy check) or shuffled (each list in random order) (default: ${DEFAULT-VALUE}).", defaultValue = "logged")
  String policy;

  @Option(names = "--rewards", description = "Reward overrides as for serve, e.g. click=1,skip=0.2.", defaultValue = "")
  String rewards;

  @Option(names = "--no-feedback-reward", description = "Reward of a shown item with no reaction (default: ${DEFAULT-VALUE}).", defaultValue = "0.5")
  float noFeedbackReward;

  @Option(names = "--bootstrap", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  int resamples;

  @Option(names = "--seed", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @Option(names = "--prior-strength", description = "Decisions' worth of the reward model's prior (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  double priorStrength;

  @Option(names = "--json", description = "Also write the result to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    LogPolicies.Target target = LogPolicies.Target.parse(policy);
    Path logDir = DataDirectory.feedbackLogOf(dataDir);
    if (!Files.isDirectory(logDir)) {
      throw new IllegalArgumentException("no feedback log in " + dataDir.toAbsolutePath() + " (expected " + logDir + ")");
    }
    RewardFunction rewardFunction = RewardFunction.defaults().withOverrides(rewards).withNoFeedbackReward(noFeedbackReward);
    LoggedImpressions logged = new LoggedImpressions(rewardFunction);
    long records = SegmentedFeedbackLog.readAll(logDir, logged::accept);
    List<LoggedImpressions.Decision> decisions = logged.decisions();
    if (decisions.isEmpty()) {
      throw new IllegalArgumentException("the feedback log in " + logDir + " holds no impressions yet");
    }
    RewardRange range = new RewardRange(rewardFunction.lowest(), rewardFunction.highest());
    OffPolicyEvaluation evaluation = new OffPolicyEvaluation(resamples, 0.95, seed);
    List<Estimate> estimates = evaluation.evaluate(LogPolicies.decisions(decisions, target, priorStrength), range, Estimator.ALL);
    List<SlateSample> lists = LogPolicies.slates(decisions, target);
    List<Estimate> slateEstimates = evaluation.evaluateSlates(lists, range, SlateEstimator.values());

    JsonObject result = new JsonObject();
    result.addProperty("policy", policy);
    result.addProperty("log_records", records);
    result.addProperty("decisions", decisions.size());
    result.addProperty("lists", lists.size());
    result.addProperty("logged_mean_reward", decisions.stream().mapToDouble(LoggedImpressions.Decision::reward).average().orElse(0));
    JsonArray warnings = new JsonArray();
    boolean deterministic = decisions.stream().allMatch(d -> d.propensity() >= 1.0);
    if (deterministic && target != LogPolicies.Target.LOGGED) {
      warnings.add(
          "every logged propensity is 1 (no exploration): the target shows items where the log has none,"
              + " so the weighted estimators are biased low; only DM, through the reward model, covers them");
    }
    warnings.addAll(EstimateJson.warnings(estimates));
    warnings.addAll(EstimateJson.warnings(slateEstimates));
    result.add("warnings", warnings);
    result.add("estimators", EstimateJson.byEstimator(estimates, null));
    result.add("list_estimators", EstimateJson.byEstimator(slateEstimates, null));
    String text = new GsonBuilder().setPrettyPrinting().create().toJson(result);
    System.out.println(text);
    if (json != null) {
      Files.writeString(json, text + "\n");
    }
    return 0;
  }
}
