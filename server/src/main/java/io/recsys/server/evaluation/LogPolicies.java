package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Target policies that can be evaluated on the server's own log, and the samples for them. The
 * reward model of DM and DR is the mean reward of each (item, position), shrunk toward the
 * position's mean by a prior worth {@code priorStrength} decisions.
 */
public final class LogPolicies {
  /** What a target policy does with a logged list. */
  public enum Target {
    /** The policy that produced the log: an on-policy check, every weight is 1. */
    LOGGED,
    /** Shows each list's items in a uniformly random order: what ranking within the list is worth. */
    SHUFFLED;

    public static Target parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the target policy must be logged or shuffled, got '" + name + "'");
      }
    }
  }

  private LogPolicies() {}

  public static List<EvaluationSample> samples(List<LoggedImpressions.Decision> decisions, Target target, double priorStrength) {
    Map<Integer, double[]> byPosition = new HashMap<>(); // position -> {reward sum, count}
    Map<String, double[]> byItemPosition = new HashMap<>();
    Map<String, List<Double>> itemRewardsByEvent = new HashMap<>();
    for (LoggedImpressions.Decision d : decisions) {
      accumulate(byPosition.computeIfAbsent(d.position(), p -> new double[2]), d.reward());
      accumulate(byItemPosition.computeIfAbsent(d.itemId() + '@' + d.position(), k -> new double[2]), d.reward());
    }
    Map<String, List<LoggedImpressions.Decision>> lists = new HashMap<>();
    for (LoggedImpressions.Decision d : decisions) {
      lists.computeIfAbsent(d.eventId(), e -> new ArrayList<>()).add(d);
    }
    List<EvaluationSample> samples = new ArrayList<>(decisions.size());
    for (LoggedImpressions.Decision d : decisions) {
      double predictedLogged = predict(byItemPosition, byPosition, d.itemId(), d.position(), priorStrength);
      double targetProbability;
      double modelValue;
      if (target == Target.LOGGED) {
        targetProbability = d.propensity();
        modelValue = predictedLogged;
      } else {
        targetProbability = 1.0 / d.listSize();
        modelValue = 0;
        for (LoggedImpressions.Decision other : lists.get(d.eventId())) {
          modelValue += predict(byItemPosition, byPosition, other.itemId(), d.position(), priorStrength) / d.listSize();
        }
      }
      samples.add(new EvaluationSample(targetProbability / d.propensity(), d.reward(), modelValue, predictedLogged));
    }
    return samples;
  }

  private static void accumulate(double[] sumAndCount, double reward) {
    sumAndCount[0] += reward;
    sumAndCount[1]++;
  }

  private static double predict(
      Map<String, double[]> byItemPosition, Map<Integer, double[]> byPosition, String item, int position, double priorStrength) {
    double[] positionStats = byPosition.get(position);
    double prior = positionStats == null ? 0.5 : positionStats[0] / positionStats[1];
    double[] stats = byItemPosition.get(item + '@' + position);
    double sum = stats == null ? 0 : stats[0];
    double count = stats == null ? 0 : stats[1];
    return (sum + priorStrength * prior) / (count + priorStrength);
  }
}
