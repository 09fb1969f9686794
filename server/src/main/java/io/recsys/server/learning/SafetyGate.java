package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.evaluation.Estimate;
import io.recsys.server.evaluation.Estimator;
import io.recsys.server.evaluation.EvaluationSample;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.feedback.Transition;
import io.recsys.server.model.QNetworkModel;
import io.recsys.server.feedback.StateCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a candidate Q-network may go live: it estimates, off-policy, the reward the
 * candidate would earn on recently logged top-of-list decisions (SNIPS and DR, with bootstrap
 * intervals) and compares it with what the live policy earned there. A candidate worse than live
 * by more than {@code margin} on either estimate is rejected, with the reason.
 *
 * <p>Two refusals come before any estimate: a candidate whose Q values leave the {@link QRange}
 * the rewards can reach by far has diverged, whatever the estimators say; and a window whose
 * logged rewards are all the same (say only no-reaction rewards) cannot tell any policy from
 * another, so it gives no verdict and nothing is published.
 *
 * <p>The decision evaluated is the first position: the logging policy drew it from the retrieval
 * candidates with a known propensity, and the candidate policy (epsilon-greedy on its Q values
 * over the same candidates) gives each candidate an exact probability.
 */
public final class SafetyGate {
  /** The gate's verdict with the evidence. */
  public record Verdict(boolean publish, String reason, double liveValue, Estimate snips, Estimate dr, int decisions) {}

  private final double margin;
  private final double epsilon;
  private final int minDecisions;
  private final QRange range;
  private final OffPolicyEvaluation evaluation;

  /**
   * @param epsilon exploration the candidate will serve with
   * @param range the Q values the rewards can reach
   */
  public SafetyGate(GateSettings settings, double epsilon, QRange range) {
    this(settings.margin(), epsilon, settings.minDecisions(), range,
        new OffPolicyEvaluation(settings.bootstrapResamples(), settings.confidence(), 1));
  }

  /**
   * @param margin how much worse than live (in reward) a candidate may look and still pass
   * @param epsilon exploration the candidate will serve with
   * @param minDecisions fewer logged first-position decisions than this: no verdict, no publish
   * @param range the Q values the rewards can reach
   */
  public SafetyGate(double margin, double epsilon, int minDecisions, QRange range, OffPolicyEvaluation evaluation) {
    this.margin = margin;
    this.epsilon = epsilon;
    this.minDecisions = minDecisions;
    this.range = range;
    this.evaluation = evaluation;
  }

  public Verdict judge(QNetworkModel candidate, List<Transition> recent, CatalogSnapshot catalog) {
    List<Transition> decisions = new ArrayList<>();
    for (Transition t : recent) {
      if (t.position() == 0 && !t.candidates().isEmpty() && catalog.rowOf(t.itemId()) >= 0) {
        decisions.add(t);
      }
    }
    if (decisions.size() < minDecisions) {
      return new Verdict(false, "only " + decisions.size() + " logged decisions, need " + minDecisions, Double.NaN, null, null, decisions.size());
    }
    Map<String, double[]> itemRewards = new HashMap<>();
    double rewardSum = 0;
    for (Transition t : decisions) {
      double[] stats = itemRewards.computeIfAbsent(t.itemId(), id -> new double[2]);
      stats[0] += t.reward();
      stats[1]++;
      rewardSum += t.reward();
    }
    double liveValue = rewardSum / decisions.size();
    float firstReward = decisions.get(0).reward();
    if (decisions.stream().allMatch(t -> t.reward() == firstReward)) {
      return new Verdict(
          false,
          String.format(java.util.Locale.ROOT,
              "no verdict: all %d logged rewards are %.3f, which cannot tell one policy from another", decisions.size(), firstReward),
          liveValue, null, null, decisions.size());
    }
    List<EvaluationSample> samples = new ArrayList<>(decisions.size());
    for (Transition t : decisions) {
      // A candidate the catalog no longer holds (a base catalog edited between restarts) could not
      // be served now, so the candidate policy chooses among the others.
      List<String> candidates = new ArrayList<>(t.candidates().size());
      int[] rows = new int[t.candidates().size()];
      for (String id : t.candidates()) {
        int row = catalog.rowOf(id);
        if (row >= 0) {
          rows[candidates.size()] = row;
          candidates.add(id);
        }
      }
      rows = Arrays.copyOf(rows, candidates.size());
      float[] q = candidate.qValues(catalog, StateCodec.decode(t.state(), catalog.dimension()), List.of(rows)).get(0);
      for (float value : q) {
        if (range.implausible(value)) {
          return new Verdict(
              false,
              String.format(java.util.Locale.ROOT,
                  "diverged: a Q value of %.4g, where the rewards can only reach %s", value, range),
              liveValue, null, null, decisions.size());
        }
      }
      int best = 0;
      for (int c = 1; c < q.length; c++) {
        if (q[c] > q[best]) {
          best = c;
        }
      }
      double uniform = epsilon / candidates.size();
      double modelValue = 0;
      double loggedProbability = 0;
      for (int c = 0; c < candidates.size(); c++) {
        double probability = (c == best ? 1 - epsilon : 0) + uniform;
        modelValue += probability * predict(itemRewards, candidates.get(c), liveValue);
        if (candidates.get(c).equals(t.itemId())) {
          loggedProbability = probability;
        }
      }
      samples.add(
          new EvaluationSample(
              loggedProbability / Math.max(t.propensity(), 1e-6),
              t.reward(),
              modelValue,
              predict(itemRewards, t.itemId(), liveValue)));
    }
    List<Estimate> estimates = evaluation.evaluate(samples, Estimator.SNIPS, Estimator.DR);
    Estimate snips = estimates.get(0);
    Estimate dr = estimates.get(1);
    if (snips.value() < liveValue - margin || dr.value() < liveValue - margin) {
      return new Verdict(
          false,
          String.format(java.util.Locale.ROOT,
              "estimated worse than live (%.4f): SNIPS %.4f, DR %.4f, margin %.3f", liveValue, snips.value(), dr.value(), margin),
          liveValue, snips, dr, decisions.size());
    }
    return new Verdict(
        true,
        String.format(java.util.Locale.ROOT, "SNIPS %.4f, DR %.4f vs live %.4f", snips.value(), dr.value(), liveValue),
        liveValue, snips, dr, decisions.size());
  }

  /** Mean logged reward of the item, shrunk toward the overall mean by a prior of 5 decisions. */
  private static double predict(Map<String, double[]> itemRewards, String item, double prior) {
    double[] stats = itemRewards.get(item);
    return stats == null ? prior : (stats[0] + 5 * prior) / (stats[1] + 5);
  }
}
