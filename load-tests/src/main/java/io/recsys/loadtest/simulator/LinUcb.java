package io.recsys.loadtest.simulator;

import io.recsys.server.user.Ridge;
import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LinUCB (Li et al. 2010) over the items' content vectors, the baseline a learning server must
 * beat: each user has a ridge regression of click on the item's features, shrunk toward a
 * population model fitted on everyone's data (the shared part of hybrid LinUCB, here as the
 * prior mean), and each list takes the {@code k} items of highest upper confidence bound
 * {@code theta_u . x + alpha * sqrt(x' A_u^-1 x)}. With a discount {@code gamma < 1} it is
 * discounted LinUCB (Russac et al. 2019): before each new observation the user's past ones are
 * weighted down by gamma, so a user whose taste changed is re-learned from their recent lists. Features: the server's own MiniLM vectors,
 * randomly projected to {@value #PROJECTED} dimensions, plus an intercept; nothing of the hidden
 * truth.
 */
final class LinUcb implements Policy {
  static final int PROJECTED = 24;
  private static final double USER_RIDGE = 1.0;
  private static final double POPULATION_RIDGE = 1.0;

  private final World world;
  private final String name;
  private final double alpha;
  private final double discount;
  private final double[][] features;
  private final int d;
  /** Per user: X'X and X'r of their own observations (row-major d x d, and d). */
  private final double[][] gram;
  private final double[][] moments;
  private final double[] populationGram;
  private final double[] populationMoments;
  /** Impressions not yet reached at which every user is forgotten; empty for none. */
  private final List<Long> resets;

  /**
   * @param contentVectors row-major {@code [items, dimension]}, in the world's item order
   * @param alpha width of the confidence bonus
   * @param discount weight of a user's past observations kept at each new one, in (0, 1]; 1 forgets nothing
   */
  LinUcb(World world, float[] contentVectors, int dimension, double alpha, double discount, long seed) {
    this(world, nameFor(discount), projected(world, contentVectors, dimension, seed), alpha, discount, List.of());
  }

  /**
   * LinUCB over any item features, in the world's item order (the same number each).
   *
   * @param resets impressions at which every user's observations are forgotten, ascending
   */
  LinUcb(World world, String name, double[][] features, double alpha, double discount, List<Long> resets) {
    if (!(discount > 0 && discount <= 1)) {
      throw new IllegalArgumentException("the discount must be in (0, 1], got " + discount);
    }
    if (features.length != world.itemIds().size()) {
      throw new IllegalArgumentException("need features for " + world.itemIds().size() + " items, got " + features.length);
    }
    this.world = world;
    this.name = name;
    this.alpha = alpha;
    this.discount = discount;
    this.features = features;
    this.d = features[0].length;
    this.gram = new double[world.users()][];
    this.moments = new double[world.users()][];
    this.populationGram = new double[d * d];
    this.populationMoments = new double[d];
    this.resets = new ArrayList<>(resets);
  }

  private static double[][] projected(World world, float[] contentVectors, int dimension, long seed) {
    int items = world.itemIds().size();
    if (contentVectors.length != items * dimension) {
      throw new IllegalArgumentException("need " + items + " content vectors of " + dimension + " values");
    }
    return project(contentVectors, items, dimension, seed);
  }

  /** A seeded Gaussian projection to {@value #PROJECTED} dimensions (Johnson-Lindenstrauss), then an intercept of 1. */
  static double[][] project(float[] vectors, int items, int dimension, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] projection = new double[PROJECTED][dimension];
    for (double[] row : projection) {
      for (int j = 0; j < dimension; j++) {
        row[j] = gaussian(random) / Math.sqrt(PROJECTED);
      }
    }
    double[][] features = new double[items][PROJECTED + 1];
    for (int i = 0; i < items; i++) {
      for (int p = 0; p < PROJECTED; p++) {
        double sum = 0;
        for (int j = 0; j < dimension; j++) {
          sum += projection[p][j] * vectors[i * dimension + j];
        }
        features[i][p] = sum;
      }
      features[i][PROJECTED] = 1;
    }
    return features;
  }

  @Override
  public String name() {
    return name;
  }

  /** The report's name of the LinUCB with this discount. */
  static String nameFor(double discount) {
    return discount == 1 ? "linucb" : "d-linucb-" + discount;
  }

  @Override
  public List<List<String>> recommend(List<Integer> users, int k, long time) {
    while (!resets.isEmpty() && time >= resets.get(0)) {
      resets.remove(0);
      Arrays.fill(gram, null);
      Arrays.fill(moments, null);
    }
    double[] population = population();
    List<List<String>> lists = new ArrayList<>(users.size());
    for (int user : users) {
      List<Integer> chosen = choose(user, population, k);
      List<String> list = new ArrayList<>(k);
      chosen.forEach(i -> list.add(world.itemIds().get(i)));
      lists.add(list);
    }
    return lists;
  }

  /** The user's discounted X'X (row-major), for tests. */
  double[] userGram(int user) {
    return gram[user] == null ? new double[d * d] : gram[user].clone();
  }

  /** The {@code k} items of highest UCB, best first. */
  List<Integer> choose(int user, double[] population, int k) {
    return TopItems.of(allUcbs(user, population), k);
  }

  /** Every item's upper confidence bound for the user: {@code theta_u . x + alpha * sqrt(x' A_u^-1 x)}. */
  double[] allUcbs(int user, double[] population) {
    // The user's estimate, shrunk toward the population model.
    Ridge.Fit fit = Ridge.shrunkToward(population, gram[user], moments[user], USER_RIDGE, d);
    double[] ucbs = new double[features.length];
    for (int i = 0; i < features.length; i++) {
      ucbs[i] = Ridge.dot(fit.mean(), features[i]) + alpha * Math.sqrt(Ridge.inverseQuadratic(fit.cholesky(), features[i], d));
    }
    return ucbs;
  }

  double[] population() {
    return Ridge.solve(Ridge.withRidge(populationGram, POPULATION_RIDGE, d), populationMoments, d);
  }

  @Override
  public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
    for (int u = 0; u < users.size(); u++) {
      int user = users.get(u);
      for (int position = 0; position < lists.get(u).size(); position++) {
        double[] x = features[world.indexOf(lists.get(u).get(position))];
        double reward = reactions[u][position] == FeedbackType.FEEDBACK_TYPE_CLICK ? 1 : 0;
        if (gram[user] == null) {
          gram[user] = new double[d * d];
          moments[user] = new double[d];
        }
        Ridge.discount(gram[user], moments[user], discount);
        Ridge.addObservation(gram[user], moments[user], x, reward, d);
        Ridge.addObservation(populationGram, populationMoments, x, reward, d);
      }
    }
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
