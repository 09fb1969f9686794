package io.recsys.loadtest.simulator;

import io.recsys.v1.FeedbackType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The hidden truth the server never sees: every group of items (an author, or a hidden genre:
 * {@link TruthFamily}) has a random taste vector, every book is its group's vector plus its own
 * noise and has a quality of its own, and every user likes good books that lie along their own
 * vector.
 * None of it comes from the server's embedding space; the server only sees ids, titles and what
 * users did. Users' tastes change at the scheduled drifts. Everything is fixed by the seed.
 */
public final class World {
  static final int FACTORS = 8;
  private static final double SLOPE = 2.0;
  private static final double OFFSET = -3.0;
  private static final double SKIP_PROBABILITY = 0.15;
  private static final double DISLIKE_PROBABILITY = 0.3;
  private static final double DISLIKE_BELOW = -1.5;
  private static final double QUALITY_SPREAD = 0.5;

  private final List<String> itemIds;
  private final Map<String, Integer> indexOf = new HashMap<>();
  private final double[][] items;
  /** Appeal every user sees in an item, whatever their taste: what popularity can learn. */
  private final double[] quality;
  private final double[][][] tastes; // [phase][user][factor]: phase 0 before any drift, then one per drift
  private final List<Drift> drifts;
  private final long seed;

  /** @param groups the group of each item (items of one group share a taste vector) */
  public World(List<String> itemIds, List<String> groups, int users, List<Drift> drifts, long seed) {
    this.itemIds = List.copyOf(itemIds);
    this.drifts = List.copyOf(drifts);
    this.seed = seed;
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, double[]> groupVectors = new HashMap<>();
    items = new double[itemIds.size()][];
    quality = new double[itemIds.size()];
    for (int i = 0; i < itemIds.size(); i++) {
      indexOf.put(itemIds.get(i), i);
      double[] group = groupVectors.computeIfAbsent(groups.get(i), a -> gaussian(random));
      double[] noise = gaussian(random);
      items[i] = new double[FACTORS];
      for (int f = 0; f < FACTORS; f++) {
        items[i][f] = 0.8 * group[f] + 0.6 * noise[f];
      }
      quality[i] = QUALITY_SPREAD * gaussian(random)[0];
    }
    tastes = new double[drifts.size() + 1][users][];
    for (double[][] phase : tastes) {
      for (int u = 0; u < users; u++) {
        phase[u] = gaussian(random);
      }
    }
  }

  private static double[] gaussian(SplittableRandom random) {
    double[] vector = new double[FACTORS];
    for (int f = 0; f < FACTORS; f++) {
      // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
      double u1 = 1 - random.nextDouble();
      double u2 = random.nextDouble();
      vector[f] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return vector;
  }

  public List<String> itemIds() {
    return itemIds;
  }

  public int users() {
    return tastes[0].length;
  }

  /** The user's taste at impression {@code time}, drifts applied. */
  double[] taste(int user, long time) {
    double[] taste = tastes[0][user];
    for (int d = 0; d < drifts.size(); d++) {
      Drift drift = drifts.get(d);
      if (time < drift.at()) {
        break;
      }
      double[] next = tastes[d + 1][user];
      double blend = drift.span() == 0 ? 1 : Math.min(1, (time - drift.at()) / (double) drift.span());
      double[] mixed = new double[FACTORS];
      for (int f = 0; f < FACTORS; f++) {
        mixed[f] = (1 - blend) * taste[f] + blend * next[f];
      }
      taste = mixed;
    }
    return taste;
  }

  /** How much the user likes the item: taste match, about N(0, 1), plus the item's quality. */
  double affinity(double[] taste, int item) {
    double dot = 0;
    for (int f = 0; f < FACTORS; f++) {
      dot += taste[f] * items[item][f];
    }
    return dot / Math.sqrt(FACTORS) + quality[item];
  }

  /**
   * The item's true features, in which every user's affinity is linear: {@code [vector / sqrt(F),
   * quality, 1]}, so that affinity = {@code [taste, 1, 0] . features}. For references that bound
   * what learning users can reach ({@link KnownItemsBound}); no candidate policy may read it.
   */
  double[] trueFeatures(int item) {
    double[] features = new double[FACTORS + 2];
    for (int f = 0; f < FACTORS; f++) {
      features[f] = items[item][f] / Math.sqrt(FACTORS);
    }
    features[FACTORS] = quality[item];
    features[FACTORS + 1] = 1;
    return features;
  }

  int indexOf(String itemId) {
    Integer index = indexOf.get(itemId);
    if (index == null) {
      throw new IllegalArgumentException("policy recommended an unknown item '" + itemId + "'");
    }
    return index;
  }

  /** Probability of a click on the item at this position (0 = top): position bias x appeal. */
  static double clickProbability(double affinity, int position) {
    double examined = 1 / Math.sqrt(position + 1);
    return examined / (1 + Math.exp(-(SLOPE * affinity + OFFSET)));
  }

  /**
   * What the user does with the item, drawn from numbers fixed by (seed, impression, item): two
   * policies that show the same item at the same place in the same impression see the same
   * reaction. {@code null} means no reaction.
   */
  FeedbackType react(double affinity, int position, long impression, int item) {
    double click = uniform(impression, item, 1);
    if (click < clickProbability(affinity, position)) {
      return FeedbackType.FEEDBACK_TYPE_CLICK;
    }
    double other = uniform(impression, item, 2);
    if (affinity < DISLIKE_BELOW && other < DISLIKE_PROBABILITY) {
      return FeedbackType.FEEDBACK_TYPE_DISLIKE;
    }
    return other > 1 - SKIP_PROBABILITY ? FeedbackType.FEEDBACK_TYPE_SKIP : null;
  }

  private double uniform(long impression, int item, int stream) {
    long h = seed * 0x9E3779B97F4A7C15L + impression * 0xC2B2AE3D27D4EB4FL + item * 0x165667B19E3779F9L + stream;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }
}
