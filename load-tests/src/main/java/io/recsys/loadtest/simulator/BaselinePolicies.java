package io.recsys.loadtest.simulator;

import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** The policies the server is compared with, all in this process. */
final class BaselinePolicies {
  private BaselinePolicies() {}

  /** Uniformly random distinct items: the floor. */
  static final class Random implements Policy {
    private final World world;
    private final SplittableRandom random;

    Random(World world, long seed) {
      this.world = world;
      this.random = new SplittableRandom(seed);
    }

    @Override
    public String name() {
      return "random";
    }

    @Override
    public List<List<String>> recommend(List<Integer> users, int k, long time) {
      List<List<String>> lists = new ArrayList<>(users.size());
      for (int u = 0; u < users.size(); u++) {
        Set<String> picked = new LinkedHashSet<>();
        while (picked.size() < k) {
          picked.add(world.itemIds().get(random.nextInt(world.itemIds().size())));
        }
        lists.add(new ArrayList<>(picked));
      }
      return lists;
    }

    @Override
    public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {}
  }

  /** The same list for everyone: most clicked so far (ties broken by a fixed random order). */
  static final class Popularity implements Policy {
    private final World world;
    private final double[] score;

    Popularity(World world, long seed) {
      this.world = world;
      this.score = new double[world.itemIds().size()];
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < score.length; i++) {
        score[i] = random.nextDouble() * 1e-3;
      }
    }

    @Override
    public String name() {
      return "popularity";
    }

    @Override
    public List<List<String>> recommend(List<Integer> users, int k, long time) {
      List<String> top = new ArrayList<>(k);
      for (int i : TopItems.of(score, k)) {
        top.add(world.itemIds().get(i));
      }
      List<List<String>> lists = new ArrayList<>(users.size());
      users.forEach(u -> lists.add(top));
      return lists;
    }

    @Override
    public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
      for (int u = 0; u < users.size(); u++) {
        for (int p = 0; p < reactions[u].length; p++) {
          if (reactions[u][p] == FeedbackType.FEEDBACK_TYPE_CLICK) {
            score[world.indexOf(lists.get(u).get(p))] += 1;
          }
        }
      }
    }
  }

  /** The clairvoyant ceiling: each user's k truly best items now. */
  static final class Oracle implements Policy {
    private final World world;

    Oracle(World world) {
      this.world = world;
    }

    @Override
    public String name() {
      return "oracle";
    }

    @Override
    public List<List<String>> recommend(List<Integer> users, int k, long time) {
      List<List<String>> lists = new ArrayList<>(users.size());
      double[] affinity = new double[world.itemIds().size()];
      for (int user : users) {
        double[] taste = world.taste(user, time);
        for (int i = 0; i < affinity.length; i++) {
          affinity[i] = world.affinity(taste, i);
        }
        List<String> list = new ArrayList<>(k);
        for (int i : TopItems.of(affinity, k)) {
          list.add(world.itemIds().get(i));
        }
        lists.add(list);
      }
      return lists;
    }

    @Override
    public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {}
  }

  /**
   * Epsilon-greedy online matrix factorisation: user and item vectors learnt by SGD on the
   * logistic loss of click / no click; each slot is a random item with probability epsilon.
   */
  static final class OnlineMatrixFactorisation implements Policy {
    private static final int DIM = 16;
    private static final double LEARNING_RATE = 0.05;
    private static final double REGULARISATION = 0.01;

    private final World world;
    private final double epsilon;
    private final SplittableRandom random;
    private final double[][] userVectors;
    private final double[][] itemVectors;
    private final double[] itemBias;

    OnlineMatrixFactorisation(World world, double epsilon, long seed) {
      this.world = world;
      this.epsilon = epsilon;
      this.random = new SplittableRandom(seed);
      this.userVectors = new double[world.users()][DIM];
      this.itemVectors = new double[world.itemIds().size()][DIM];
      this.itemBias = new double[world.itemIds().size()];
      for (double[][] matrix : List.of(userVectors, itemVectors)) {
        for (double[] row : matrix) {
          for (int d = 0; d < DIM; d++) {
            row[d] = (random.nextDouble() - 0.5) * 0.1;
          }
        }
      }
    }

    @Override
    public String name() {
      return "online-mf";
    }

    @Override
    public List<List<String>> recommend(List<Integer> users, int k, long time) {
      List<List<String>> lists = new ArrayList<>(users.size());
      double[] scores = new double[itemVectors.length];
      for (int user : users) {
        double[] p = userVectors[user];
        for (int i = 0; i < scores.length; i++) {
          double dot = itemBias[i];
          for (int d = 0; d < DIM; d++) {
            dot += p[d] * itemVectors[i][d];
          }
          scores[i] = dot;
        }
        List<Integer> greedy = TopItems.of(scores, k);
        Set<Integer> chosen = new LinkedHashSet<>();
        for (int slot = 0; slot < k; slot++) {
          int item = random.nextDouble() < epsilon ? random.nextInt(scores.length) : greedy.get(slot);
          if (!chosen.add(item)) {
            for (int fill : greedy) {
              if (chosen.add(fill)) {
                break;
              }
            }
          }
        }
        List<String> list = new ArrayList<>(k);
        chosen.forEach(i -> list.add(world.itemIds().get(i)));
        lists.add(list);
      }
      return lists;
    }

    @Override
    public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
      for (int u = 0; u < users.size(); u++) {
        double[] p = userVectors[users.get(u)];
        for (int position = 0; position < lists.get(u).size(); position++) {
          int item = world.indexOf(lists.get(u).get(position));
          double[] q = itemVectors[item];
          double label = reactions[u][position] == FeedbackType.FEEDBACK_TYPE_CLICK ? 1 : 0;
          double dot = itemBias[item];
          for (int d = 0; d < DIM; d++) {
            dot += p[d] * q[d];
          }
          double error = label - 1 / (1 + Math.exp(-dot));
          itemBias[item] += LEARNING_RATE * error;
          for (int d = 0; d < DIM; d++) {
            double pd = p[d];
            p[d] += LEARNING_RATE * (error * q[d] - REGULARISATION * pd);
            q[d] += LEARNING_RATE * (error * pd - REGULARISATION * q[d]);
          }
        }
      }
    }
  }
}
