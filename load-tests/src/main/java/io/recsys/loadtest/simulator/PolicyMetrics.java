package io.recsys.loadtest.simulator;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one policy achieved, impression by impression. */
final class PolicyMetrics {
  private final String policy;
  private final int k;
  private final int catalogSize;
  private final int[] clicks;
  private final double[] expectedClicks;
  private final BitSet shown;
  /** Sum over lists of their intra-list similarity, and how many lists were measured. */
  private double similaritySum;
  private long similarityLists;

  PolicyMetrics(String policy, int impressions, int k, int catalogSize) {
    this.policy = policy;
    this.k = k;
    this.catalogSize = catalogSize;
    this.clicks = new int[impressions];
    this.expectedClicks = new double[impressions];
    this.shown = new BitSet(catalogSize);
  }

  void record(int impression, int clicked, double expected, List<Integer> items) {
    clicks[impression] = clicked;
    expectedClicks[impression] = expected;
    items.forEach(shown::set);
  }

  /** Adds one list's intra-list similarity (mean pairwise cosine of its items' content vectors). */
  void recordSimilarity(double similarity) {
    similaritySum += similarity;
    similarityLists++;
  }

  /** Mean intra-list similarity over the measured lists; NaN when none was measured. */
  double intraListSimilarity() {
    return similarityLists == 0 ? Double.NaN : similaritySum / similarityLists;
  }

  String policy() {
    return policy;
  }

  int impressions() {
    return clicks.length;
  }

  /** Clicks per shown item over impressions [from, to). */
  double ctr(int from, int to) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      sum += clicks[i];
    }
    return to > from ? sum / ((double) (to - from) * k) : 0;
  }

  double expectedCtr(int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += expectedClicks[i];
    }
    return to > from ? sum / ((double) (to - from) * k) : 0;
  }

  long totalClicks() {
    long sum = 0;
    for (int c : clicks) {
      sum += c;
    }
    return sum;
  }

  /** Expected clicks the oracle would have had minus this policy's, over the whole run. */
  double regretAgainst(PolicyMetrics oracle) {
    double regret = 0;
    for (int i = 0; i < expectedClicks.length; i++) {
      regret += oracle.expectedClicks[i] - expectedClicks[i];
    }
    return regret;
  }

  double coverage() {
    return shown.cardinality() / (double) catalogSize;
  }

  /**
   * Impressions after the drift until the policy's expected CTR (over a trailing window) is back
   * to 90 % of what it was just before: 0 if it never fell below that, null if it had not come
   * back by {@code until} (the next drift or the end).
   */
  Long recoveryImpressions(Drift drift, int window, long until) {
    int start = (int) drift.at();
    if (start - window < 0 || start >= clicks.length) {
      return null;
    }
    double target = 0.9 * expectedCtr(start - window, start);
    int trailing = Math.max(1, window / 2);
    int end = (int) Math.min(until, clicks.length);
    boolean fell = false;
    for (int i = start + trailing; i <= end; i++) {
      boolean above = expectedCtr(i - trailing, i) >= target;
      if (!above) {
        fell = true;
      } else if (fell) {
        return (long) (i - start);
      }
    }
    return fell ? null : 0L;
  }

  /** Windowed CTR: x = window centre, y = clicks per shown item. */
  Map<Integer, Double> ctrSeries(int windows) {
    Map<Integer, Double> series = new LinkedHashMap<>();
    int size = Math.max(1, clicks.length / windows);
    for (int from = 0; from + size <= clicks.length; from += size) {
      series.put(from + size / 2, ctr(from, from + size));
    }
    return series;
  }
}
