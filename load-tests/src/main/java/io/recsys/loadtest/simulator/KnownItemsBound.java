package io.recsys.loadtest.simulator;

import io.recsys.server.user.Ridge;
import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reference, not a baseline: discounted LinUCB given each item's <em>true</em> vector and
 * quality from the {@link World} (features {@code [item / sqrt(F), quality, 1]}, in which a
 * user's affinity is exactly linear), so only the users are learned, from their own clicks,
 * shrunk toward a population fit. No learner without the truth knows the items better; what this
 * one reaches bounds what learning users from this much feedback can give, and so shows how much
 * of the gap to the oracle is the items' part (learnable from co-engagement) and how much the
 * users' (a few lists of clicks each). With the drift schedule given, it also forgets every user at
 * each abrupt drift, the moment it happens: no detector can react sooner, so its recovery is the
 * fastest that re-learning a user from their clicks allows. It reads the hidden truth, so it is
 * never a candidate.
 */
final class KnownItemsBound implements Policy {
  private static final int D = World.FACTORS + 2;
  private static final double USER_RIDGE = 1.0;
  private static final double POPULATION_RIDGE = 1.0;

  private final World world;
  private final double alpha;
  private final double discount;
  private final double[][] features;
  private final double[][] gram;
  private final double[][] moments;
  private final double[] populationGram = new double[D * D];
  private final double[] populationMoments = new double[D];
  /** Abrupt drifts not yet passed, at which every user is forgotten; empty for no resets. */
  private final List<Long> resets;

  /**
   * @param alpha width of the confidence bonus
   * @param discount weight kept of a user's past observations at each new one, in (0, 1]
   */
  KnownItemsBound(World world, double alpha, double discount) {
    this(world, alpha, discount, List.of());
  }

  /** @param resets impressions at which every user's taste is forgotten (the abrupt drifts) */
  KnownItemsBound(World world, double alpha, double discount, List<Long> resets) {
    if (!(discount > 0 && discount <= 1)) {
      throw new IllegalArgumentException("the discount must be in (0, 1], got " + discount);
    }
    this.world = world;
    this.alpha = alpha;
    this.discount = discount;
    this.features = new double[world.itemIds().size()][];
    for (int i = 0; i < features.length; i++) {
      features[i] = world.trueFeatures(i);
    }
    this.gram = new double[world.users()][];
    this.moments = new double[world.users()][];
    this.resets = new ArrayList<>(resets);
  }

  static String nameFor(double discount, boolean resets) {
    return "known-items-" + discount + (resets ? "-reset" : "");
  }

  @Override
  public String name() {
    return nameFor(discount, !resets.isEmpty());
  }

  @Override
  public List<List<String>> recommend(List<Integer> users, int k, long time) {
    if (!resets.isEmpty() && time >= resets.get(0)) {
      resets.remove(0);
      Arrays.fill(gram, null);
      Arrays.fill(moments, null);
    }
    double[] population = Ridge.solve(Ridge.withRidge(populationGram, POPULATION_RIDGE, D), populationMoments, D);
    List<List<String>> lists = new ArrayList<>(users.size());
    double[] ucbs = new double[features.length];
    for (int user : users) {
      Ridge.Fit fit = Ridge.shrunkToward(population, gram[user], moments[user], USER_RIDGE, D);
      for (int i = 0; i < features.length; i++) {
        ucbs[i] = Ridge.dot(fit.mean(), features[i]) + alpha * Math.sqrt(Ridge.inverseQuadratic(fit.cholesky(), features[i], D));
      }
      List<String> list = new ArrayList<>(k);
      for (int i : TopItems.of(ucbs, k)) {
        list.add(world.itemIds().get(i));
      }
      lists.add(list);
    }
    return lists;
  }

  @Override
  public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
    for (int u = 0; u < users.size(); u++) {
      int user = users.get(u);
      if (gram[user] == null) {
        gram[user] = new double[D * D];
        moments[user] = new double[D];
      }
      for (int position = 0; position < lists.get(u).size(); position++) {
        double[] x = features[world.indexOf(lists.get(u).get(position))];
        double reward = reactions[u][position] == FeedbackType.FEEDBACK_TYPE_CLICK ? 1 : 0;
        Ridge.discount(gram[user], moments[user], discount);
        Ridge.addObservation(gram[user], moments[user], x, reward, D);
        Ridge.addObservation(populationGram, populationMoments, x, reward, D);
      }
    }
  }
}
