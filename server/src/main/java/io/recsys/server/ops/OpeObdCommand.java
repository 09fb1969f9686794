package io.recsys.server.ops;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.recsys.server.evaluation.Estimate;
import io.recsys.server.evaluation.EstimateJson;
import io.recsys.server.evaluation.Estimator;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.evaluation.obd.ObdEvaluation;
import io.recsys.server.evaluation.obd.ObdFiles;
import io.recsys.server.evaluation.obd.ObdRound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ope-obd}: a context-free policy's click rate estimated off-policy from an Open Bandit
 * Dataset log, by every estimator (with bootstrap intervals, effective sample sizes and clipping
 * to [0, 1]), beside the true click rate of a log that the target policy produced itself. Both
 * directions: the uniform-random policy from the Bernoulli TS log ({@code --policy uniform}), and
 * Bernoulli TS from the random log ({@code --policy bts}, with the BTS log as the reference: its
 * share of each item at each position is the target policy).
 */
@Command(
    name = "ope-obd",
    mixinStandardHelpOptions = true,
    description = "Off-policy evaluation on Open Bandit Dataset logs (Saito et al. 2020, CC BY 4.0).")
public final class OpeObdCommand implements Callable<Integer> {
  @Option(names = "--log", required = true, description = "Logged feedback CSV of the behaviour policy (e.g. obd/bts/men/men.csv).")
  Path log;

  @Option(names = "--item-context", required = true, description = "Item context CSV of the same campaign.")
  Path itemContext;

  @Option(
      names = "--policy",
      description = "Target policy: uniform, or bts (its action distribution read from --reference-log) (default: ${DEFAULT-VALUE}).",
      defaultValue = "uniform")
  String policy;

  @Option(names = "--reference-log", description = "A log the target policy produced itself (e.g. obd/random/men/men.csv): its click rate is the truth to compare with. Required for --policy bts.")
  Path referenceLog;

  @Option(names = "--bootstrap", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  int resamples;

  @Option(names = "--seed", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @Option(names = "--prior-strength", description = "Impressions' worth of the reward model's prior per (item, position) (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  double priorStrength;

  @Option(names = "--json", description = "Also write the result to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (!policy.equals("uniform") && !policy.equals("bts")) {
      throw new IllegalArgumentException("--policy must be uniform or bts, got '" + policy + "'");
    }
    if (policy.equals("bts") && referenceLog == null) {
      throw new IllegalArgumentException("--policy bts needs --reference-log: the BTS log, whose actions are the target policy");
    }
    int items = ObdFiles.itemCount(itemContext);
    List<ObdRound> rounds = ObdFiles.readLog(log, items);
    List<ObdRound> reference = referenceLog == null ? null : ObdFiles.readLog(referenceLog, items);
    double[][] target = policy.equals("uniform") ? ObdEvaluation.uniformPolicy(items) : ObdEvaluation.empiricalPolicy(reference, items);
    List<Estimate> estimates =
        new OffPolicyEvaluation(resamples, 0.95, seed)
            .evaluate(ObdEvaluation.decisions(rounds, target, items, priorStrength), RewardRange.RATE, Estimator.ALL);

    JsonObject result = new JsonObject();
    result.addProperty("policy", policy);
    result.addProperty("log", log.toString());
    result.addProperty("rounds", rounds.size());
    result.addProperty("items", items);
    result.addProperty("logged_policy_ctr", ObdEvaluation.clickRate(rounds));
    Double truth = null;
    if (reference != null) {
      truth = ObdEvaluation.clickRate(reference);
      result.addProperty("reference_log", referenceLog.toString());
      result.addProperty("reference_ctr", truth);
    }
    result.add("estimators", EstimateJson.byEstimator(estimates, truth));
    result.add("warnings", EstimateJson.warnings(estimates));
    String text = new GsonBuilder().setPrettyPrinting().create().toJson(result);
    System.out.println(text);
    if (json != null) {
      Files.writeString(json, text + "\n");
    }
    return 0;
  }
}
