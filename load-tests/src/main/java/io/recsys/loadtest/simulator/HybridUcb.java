package io.recsys.loadtest.simulator;

import io.recsys.server.user.Ridge;
import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An experiment, not a baseline: the "two learners" design of DESIGN.md played in the simulator
 * before it is built into the server. Each item has its projected content vector x plus a learned
 * vector q and bias b (online, by SGD on every shown item's residual); each user has a discounted
 * ridge posterior over {@code [x, q, 1]} shrunk toward a population model; lists take the top UCB.
 * If this does not beat LinUCB, per-item parameters are not where the server's gap is.
 */
final class HybridUcb implements Policy {
  private static final int CONTENT = LinUcb.PROJECTED;
  private static final double RIDGE = 1.0;
  private static final double FACTOR_RATE = 0.05;
  private static final double BIAS_RATE = 0.02;
  private static final double FACTOR_DECAY = 0.001;

  /** What the experiment learns per item; the ablations leave one part out. */
  enum Variant {
    FULL("hybrid-ucb", 8, true),
    NO_FACTORS("hybrid-ucb-no-factors", 0, true),
    NO_BIAS("hybrid-ucb-no-bias", 8, false);

    final String label;
    final int factors;
    final boolean bias;

    Variant(String label, int factors, boolean bias) {
      this.label = label;
      this.factors = factors;
      this.bias = bias;
    }
  }

  private final Variant variant;
  private final int factorCount;
  private final int d;

  private final World world;
  private final double alpha;
  private final double discount;
  private final double[][] content;
  private final double[][] factors;
  private final double[] bias;
  private final double[][] gram;
  private final double[][] moments;
  private final double[] populationGram;
  private final double[] populationMoments;

  HybridUcb(World world, float[] contentVectors, int dimension, double alpha, double discount, Variant variant, long seed) {
    this.variant = variant;
    this.factorCount = variant.factors;
    this.d = CONTENT + factorCount + 1;
    this.populationGram = new double[d * d];
    this.populationMoments = new double[d];
    this.world = world;
    this.alpha = alpha;
    this.discount = discount;
    int items = world.itemIds().size();
    this.content = LinUcb.project(contentVectors, items, dimension, seed);
    SplittableRandom random = new SplittableRandom(seed + 1);
    this.factors = new double[items][factorCount];
    for (double[] q : factors) {
      for (int f = 0; f < factorCount; f++) {
        q[f] = (random.nextDouble() - 0.5) * 0.2;
      }
    }
    this.bias = new double[items];
    this.gram = new double[world.users()][];
    this.moments = new double[world.users()][];
  }

  @Override
  public String name() {
    return variant.label;
  }

  /** Fills {@code z} with the item's features {@code [content, learned vector, 1]}; returns it. */
  private double[] features(int item, double[] z) {
    System.arraycopy(content[item], 0, z, 0, CONTENT);
    System.arraycopy(factors[item], 0, z, CONTENT, factorCount);
    z[d - 1] = 1;
    return z;
  }

  /** The user's estimate, shrunk toward the population model. */
  private Ridge.Fit fit(int user, double[] population) {
    return Ridge.shrunkToward(population, gram[user], moments[user], RIDGE, d);
  }

  private double[] population() {
    return Ridge.solve(Ridge.withRidge(populationGram, RIDGE, d), populationMoments, d);
  }

  @Override
  public List<List<String>> recommend(List<Integer> users, int k, long time) {
    double[] population = population();
    List<List<String>> lists = new ArrayList<>(users.size());
    double[] ucb = new double[factors.length];
    double[] z = new double[d];
    for (int user : users) {
      Ridge.Fit fit = fit(user, population);
      for (int i = 0; i < ucb.length; i++) {
        features(i, z);
        ucb[i] = Ridge.dot(fit.mean(), z) + bias[i] + alpha * Math.sqrt(Ridge.inverseQuadratic(fit.cholesky(), z, d));
      }
      List<String> list = new ArrayList<>(k);
      TopItems.of(ucb, k).forEach(i -> list.add(world.itemIds().get(i)));
      lists.add(list);
    }
    return lists;
  }

  @Override
  public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
    double[] population = population();
    for (int u = 0; u < users.size(); u++) {
      int user = users.get(u);
      double[] theta = fit(user, population).mean();
      if (gram[user] == null) {
        gram[user] = new double[d * d];
        moments[user] = new double[d];
      }
      for (int position = 0; position < lists.get(u).size(); position++) {
        int item = world.indexOf(lists.get(u).get(position));
        double y = reactions[u][position] == FeedbackType.FEEDBACK_TYPE_CLICK ? 1 : 0;
        double[] z = features(item, new double[d]);
        double error = y - Ridge.dot(theta, z) - bias[item];
        // The item moves with its own feedback: its factors along the user's, its bias toward its rate.
        for (int f = 0; f < factorCount; f++) {
          factors[item][f] += FACTOR_RATE * (error * theta[CONTENT + f] - FACTOR_DECAY * factors[item][f]);
        }
        if (variant.bias) {
          bias[item] += BIAS_RATE * error;
        }
        Ridge.discount(gram[user], moments[user], discount);
        Ridge.addObservation(gram[user], moments[user], z, y - bias[item], d);
        Ridge.addObservation(populationGram, populationMoments, z, y - bias[item], d);
      }
    }
  }
}
