package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.evaluation.Estimate;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.evaluation.SlateDirectMethod;
import io.recsys.server.evaluation.SlateEstimator;
import io.recsys.server.evaluation.SlateSample;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import io.recsys.server.feedback.log.QuantizedVector;
import io.recsys.server.model.QNetworkModel;
import io.recsys.server.policy.Exploration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decides whether a candidate Q-network may go live. It estimates, off-policy, what the candidate
 * would earn on whole recently logged lists if it were served with the server's own exploration
 * (epsilon-greedy, softmax: whatever is configured), and holds the interval of the difference to
 * what the live policy earned on those lists against the margin: the candidate is published when
 * the lower end of that interval is not worse than live by more than {@code margin} a shown item.
 *
 * <p>Two whole-list estimators judge, and both must pass where both can speak:
 *
 * <ul>
 *   <li>the whole-list direct method ({@link SlateDirectMethod}): the candidate's list, drawn
 *       {@value #DRAWS} times per logged list from its scores by the exploration, valued by the
 *       mean reward of each item at each position in the window (refitted per bootstrap
 *       resample). It assumes an item's reward depends on the item and its position only, and
 *       needs no overlap with the logged lists;
 *   <li>self-normalised reward-interaction IPS ({@link SlateEstimator#SNRIPS}), whose weights are
 *       the products down to each position of the candidate's over the logging policy's
 *       probabilities (each given the items above it: what the server logs as propensities, and
 *       what {@link Exploration#probabilities} gives for the candidate's scores). It assumes only
 *       that a position's reward depends on the items at and above it, but a near-greedy
 *       candidate shares whole prefixes with the log rarely: below an effective sample size of
 *       {@value Estimate#MIN_EFFECTIVE_SAMPLE_SIZE} lists it is reported, not used.
 * </ul>
 *
 * Judging whole lists catches a candidate that is better at the top and worse below it, which a
 * first-position judgement would publish.
 *
 * <p>Two refusals come before any estimate: a candidate whose Q values leave the {@link QRange}
 * the rewards can reach by far has diverged, whatever the estimators say; and a window whose
 * logged rewards are all the same (say only no-reaction rewards) cannot tell any policy from
 * another, so it gives no verdict and nothing is published.
 */
public final class SafetyGate {
  /**
   * The gate's verdict with the evidence.
   *
   * @param liveValue what the live policy earned per list on the judged lists
   * @param difference the candidate's estimated value per list minus {@code liveValue} by the
   *     whole-list direct method, with its interval (null when no estimate was made)
   * @param weighted the same by self-normalised RIPS (null when no estimate was made)
   */
  public record Verdict(boolean publish, String reason, double liveValue, Estimate difference, Estimate weighted, int lists) {}

  /** Monte Carlo draws of the candidate's list per logged list, for the direct method. */
  static final int DRAWS = 32;
  /** Shown items' worth of the position's mean in each (item, position) reward estimate. */
  private static final double PRIOR_STRENGTH = 5;

  private final double margin;
  private final Exploration exploration;
  private final int minLists;
  private final QRange range;
  private final RewardRange rewards;
  private final OffPolicyEvaluation evaluation;

  /**
   * @param exploration how a candidate will be served (its probabilities are the target policy's)
   * @param range the Q values the rewards can reach
   * @param rewards the range of one shown item's reward
   */
  public SafetyGate(GateSettings settings, Exploration exploration, QRange range, RewardRange rewards) {
    this(settings.margin(), exploration, settings.minLists(), range, rewards,
        new OffPolicyEvaluation(settings.bootstrapResamples(), settings.confidence(), 1));
  }

  /**
   * @param margin how much worse than live, in reward a shown item, a candidate may look and pass
   * @param minLists fewer complete logged lists than this: no verdict, no publish
   */
  public SafetyGate(
      double margin, Exploration exploration, int minLists, QRange range, RewardRange rewards, OffPolicyEvaluation evaluation) {
    this.margin = margin;
    this.exploration = exploration;
    this.minLists = minLists;
    this.range = range;
    this.rewards = rewards;
    this.evaluation = evaluation;
  }

  public Verdict judge(QNetworkModel candidate, List<Transition> recent, CatalogSnapshot catalog) {
    List<LoggedList> lists = LoggedList.of(recent);
    if (lists.size() < minLists) {
      return new Verdict(false, "only " + lists.size() + " complete logged lists, need " + minLists, Double.NaN, null, null, lists.size());
    }
    double liveValue = lists.stream().mapToDouble(LoggedList::totalReward).average().orElse(0);
    double firstReward = lists.get(0).rewards[0];
    if (lists.stream().allMatch(list -> list.allRewardsAre(firstReward))) {
      return new Verdict(
          false,
          String.format(Locale.ROOT,
              "no verdict: all logged rewards of the %d lists are %.3f, which cannot tell one policy from another", lists.size(), firstReward),
          liveValue, null, null, lists.size());
    }
    int deepest = lists.stream().mapToInt(list -> list.items.length).max().orElse(1);
    SlateDirectMethod direct = new SlateDirectMethod(deepest, PRIOR_STRENGTH);
    Map<String, Integer> itemIndex = new HashMap<>();
    SplittableRandom draws = new SplittableRandom(evaluation.seed());
    List<SlateSample> slates = new ArrayList<>(lists.size());
    for (LoggedList list : lists) {
      // Candidates the catalog no longer holds (a base catalog edited between restarts) could not
      // be served now: the candidate policy chooses among the others, and the list is judged down
      // to the first logged item that is gone.
      List<String> servable = new ArrayList<>(list.candidates.size());
      int[] rows = new int[list.candidates.size()];
      Map<String, Integer> indexOf = new HashMap<>();
      for (String id : list.candidates) {
        int row = catalog.rowOf(id);
        if (row >= 0) {
          indexOf.put(id, servable.size());
          rows[servable.size()] = row;
          servable.add(id);
        }
      }
      int[] picks = new int[list.items.length];
      int judged = 0;
      while (judged < picks.length && indexOf.containsKey(list.items[judged])) {
        picks[judged] = indexOf.get(list.items[judged]);
        judged++;
      }
      if (judged == 0) {
        continue;
      }
      float[] q = candidate.qValues(catalog, StateCodec.decode(list.state, catalog.dimension()), List.of(Arrays.copyOf(rows, servable.size()))).get(0);
      for (float value : q) {
        if (range.implausible(value)) {
          return new Verdict(
              false,
              String.format(Locale.ROOT, "diverged: a Q value of %.4g, where the rewards can only reach %s", value, range),
              liveValue, null, null, lists.size());
        }
      }
      double[] target = exploration.probabilities(q, Arrays.copyOf(picks, judged));
      double[] weights = new double[judged];
      int[] loggedCells = new int[judged];
      for (int p = 0; p < judged; p++) {
        weights[p] = target[p] / Math.max(list.propensities[p], 1e-6);
        loggedCells[p] = direct.cellOf(itemIndex.computeIfAbsent(list.items[p], id -> itemIndex.size()), p);
      }
      double[] rewards = Arrays.copyOf(list.rewards, judged);
      slates.add(new SlateSample(weights, rewards));
      Marginals served = marginals(q, judged, servable, itemIndex, direct, draws);
      direct.add(loggedCells, rewards, served.cells(), served.probabilities());
    }
    if (slates.size() < minLists) {
      return new Verdict(false, "only " + slates.size() + " logged lists still in the catalog, need " + minLists, liveValue, null, null, slates.size());
    }
    Estimate difference = direct.compare(evaluation, rewards);
    Estimate weighted = evaluation.compareSlates(slates, rewards, SlateEstimator.SNRIPS);
    boolean weightedSpeaks = weighted.effectiveSampleSize() >= Estimate.MIN_EFFECTIVE_SAMPLE_SIZE;
    double length = slates.stream().mapToInt(SlateSample::length).average().orElse(1);
    double allowed = -margin * length;
    String evidence =
        String.format(Locale.ROOT,
            "serving %s, vs live %.4f a list of %.1f (%d lists), allowed %+.4f: slate_dm %+.4f [%+.4f, %+.4f], slate_snrips %+.4f [%+.4f, %+.4f] on %.0f effective lists%s (%.0f %% intervals)",
            exploration.spec(), liveValue, length, slates.size(), allowed, difference.value(), difference.ciLow(), difference.ciHigh(),
            weighted.value(), weighted.ciLow(), weighted.ciHigh(), weighted.effectiveSampleSize(), weightedSpeaks ? "" : ", too few to judge",
            100 * evaluation.confidence());
    boolean worse = difference.ciLow() < allowed || (weightedSpeaks && weighted.ciLow() < allowed);
    return new Verdict(!worse, (worse ? "possibly worse than live: " : "") + evidence, liveValue, difference, weighted, slates.size());
  }

  /**
   * The candidate's distribution over (item, position) cells at each of the first {@code length}
   * positions, from {@value #DRAWS} lists its exploration draws from its scores.
   */
  private record Marginals(int[][] cells, double[][] probabilities) {}

  private Marginals marginals(
      float[] q, int length, List<String> servable, Map<String, Integer> itemIndex, SlateDirectMethod direct, SplittableRandom draws) {
    List<Map<Integer, Integer>> counts = new ArrayList<>(length);
    for (int p = 0; p < length; p++) {
      counts.add(new HashMap<>());
    }
    for (int d = 0; d < DRAWS; d++) {
      int[] drawn = exploration.choose(q, length, draws).picks();
      for (int p = 0; p < drawn.length; p++) {
        counts.get(p).merge(drawn[p], 1, Integer::sum);
      }
    }
    int[][] cells = new int[length][];
    double[][] probabilities = new double[length][];
    for (int p = 0; p < length; p++) {
      cells[p] = new int[counts.get(p).size()];
      probabilities[p] = new double[counts.get(p).size()];
      int c = 0;
      for (Map.Entry<Integer, Integer> entry : counts.get(p).entrySet()) {
        String id = servable.get(entry.getKey());
        cells[p][c] = direct.cellOf(itemIndex.computeIfAbsent(id, key -> itemIndex.size()), p);
        probabilities[p][c++] = entry.getValue() / (double) DRAWS;
      }
    }
    return new Marginals(cells, probabilities);
  }

  /** One served list as the replay buffer holds it, positions 0 to n-1 all settled. */
  private static final class LoggedList {
    final QuantizedVector state;
    final List<String> candidates;
    final String[] items;
    final double[] propensities;
    final double[] rewards;

    private LoggedList(Transition first, int length) {
      this.state = first.state();
      this.candidates = first.candidates();
      this.items = new String[length];
      this.propensities = new double[length];
      this.rewards = new double[length];
      Arrays.fill(rewards, Double.NEGATIVE_INFINITY);
    }

    double totalReward() {
      double sum = 0;
      for (double r : rewards) {
        sum += r;
      }
      return sum;
    }

    boolean allRewardsAre(double reward) {
      for (double r : rewards) {
        if (r != reward) {
          return false;
        }
      }
      return true;
    }

    /**
     * The lists of {@code transitions}, each cut to its positions 0 to m-1 that have settled
     * (the others are still in their join window); a position with several reactions keeps its
     * best reward, as the offline evaluation does. Lists without candidates or position 0 are
     * left out.
     */
    static List<LoggedList> of(List<Transition> transitions) {
      Map<String, List<Transition>> byEvent = new LinkedHashMap<>();
      for (Transition t : transitions) {
        if (!t.candidates().isEmpty()) {
          byEvent.computeIfAbsent(t.eventId(), e -> new ArrayList<>()).add(t);
        }
      }
      List<LoggedList> lists = new ArrayList<>(byEvent.size());
      for (List<Transition> shown : byEvent.values()) {
        int deepest = shown.stream().mapToInt(Transition::position).max().orElse(-1);
        boolean[] settled = new boolean[deepest + 1];
        for (Transition t : shown) {
          if (t.position() >= 0) {
            settled[t.position()] = true;
          }
        }
        int length = 0;
        while (length < settled.length && settled[length]) {
          length++;
        }
        if (length == 0) {
          continue;
        }
        LoggedList list = new LoggedList(shown.get(0), length);
        for (Transition t : shown) {
          if (t.position() >= 0 && t.position() < length) {
            list.items[t.position()] = t.itemId();
            list.propensities[t.position()] = t.propensity();
            list.rewards[t.position()] = Math.max(list.rewards[t.position()], t.reward());
          }
        }
        lists.add(list);
      }
      return lists;
    }
  }
}
