package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Target policies that can be evaluated on the server's own log, and the decisions and lists for
 * them. The reward model of DM and DR is the mean reward of each (item, position), shrunk toward
 * the position's mean by a prior worth {@code priorStrength} decisions, refitted per resample.
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

  /**
   * The decisions for a per-decision estimate of {@code target}, with the reward model (mean
   * reward of each item at each position, shrunk toward the position's) refitted per resample.
   */
  public static CellMeanDecisions decisions(List<LoggedImpressions.Decision> decisions, Target target, double priorStrength) {
    Map<String, Integer> cells = new HashMap<>();
    List<Integer> groups = new ArrayList<>();
    Map<String, List<LoggedImpressions.Decision>> lists = new HashMap<>();
    for (LoggedImpressions.Decision d : decisions) {
      lists.computeIfAbsent(d.eventId(), e -> new ArrayList<>()).add(d);
      // The shuffled target can put every item of a list at every position of it.
      for (int position = 0; position < (target == Target.SHUFFLED ? d.listSize() : 0); position++) {
        cellOf(cells, groups, d.itemId(), position);
      }
      cellOf(cells, groups, d.itemId(), d.position());
    }
    int positions = groups.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    CellMeanDecisions result = new CellMeanDecisions(groups.stream().mapToInt(Integer::intValue).toArray(), positions, priorStrength);
    for (LoggedImpressions.Decision d : decisions) {
      int logged = cellOf(cells, groups, d.itemId(), d.position());
      if (target == Target.LOGGED) {
        result.add(1, d.reward(), logged, new int[] {logged}, new double[] {1});
      } else {
        List<LoggedImpressions.Decision> list = lists.get(d.eventId());
        int[] targetCells = new int[list.size()];
        double[] probabilities = new double[list.size()];
        for (int i = 0; i < list.size(); i++) {
          targetCells[i] = cellOf(cells, groups, list.get(i).itemId(), d.position());
          probabilities[i] = 1.0 / list.size();
        }
        result.add((1.0 / d.listSize()) / d.propensity(), d.reward(), logged, targetCells, probabilities);
      }
    }
    return result;
  }

  private static int cellOf(Map<String, Integer> cells, List<Integer> groups, String item, int position) {
    return cells.computeIfAbsent(
        item + '@' + position,
        key -> {
          groups.add(position);
          return groups.size() - 1;
        });
  }

  /**
   * The logged lists for a whole-list estimate of {@code target}: at each position the target's
   * probability of the logged item given the logged items above it (1 / the items left, for the
   * shuffled list) over the logged propensity.
   */
  public static List<SlateSample> slates(List<LoggedImpressions.Decision> decisions, Target target) {
    Map<String, List<LoggedImpressions.Decision>> lists = new LinkedHashMap<>();
    for (LoggedImpressions.Decision d : decisions) {
      lists.computeIfAbsent(d.eventId(), e -> new ArrayList<>()).add(d);
    }
    List<SlateSample> slates = new ArrayList<>(lists.size());
    for (List<LoggedImpressions.Decision> list : lists.values()) {
      list.sort(java.util.Comparator.comparingInt(LoggedImpressions.Decision::position));
      double[] weights = new double[list.size()];
      double[] rewards = new double[list.size()];
      for (int p = 0; p < list.size(); p++) {
        LoggedImpressions.Decision d = list.get(p);
        double targetProbability = target == Target.LOGGED ? d.propensity() : 1.0 / (list.size() - p);
        weights[p] = targetProbability / d.propensity();
        rewards[p] = d.reward();
      }
      slates.add(new SlateSample(weights, rewards));
    }
    return slates;
  }
}
