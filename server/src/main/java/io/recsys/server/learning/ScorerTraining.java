package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * The supervised scorer: an item tower (a linear map of each item's language-model embedding to
 * {@code dimension}, plus a per-item bias) and a vector per user, fitted to an interaction log
 * with binary cross-entropy on the positives, the logged negatives and {@code negatives} items
 * sampled uniformly per positive. Evaluated leave-last-out: each user's latest positive is held
 * out and ranked among all items the user has not interacted with in training.
 */
public final class ScorerTraining {
  /** Hyper-parameters; the defaults suit a few thousand users. */
  public record Settings(int dimension, int epochs, int negatives, double learningRate, double l2, int k, long seed) {
    public Settings {
      if (dimension < 1 || epochs < 1 || negatives < 0 || k < 1) {
        throw new IllegalArgumentException("dimension, epochs and k must be >= 1, negatives >= 0");
      }
    }

    public static Settings defaults() {
      return new Settings(32, 8, 4, 0.05, 1e-5, 10, 1);
    }
  }

  /** Held-out ranking quality. */
  public record Metrics(double recall, double ndcg, int users) {}

  /**
   * The fitted scorer: {@code itemMatrix} is {@code [dimension, items]} (the retrieval graph's
   * layout), {@code users} the user vectors.
   */
  public record Result(
      float[] itemMatrix, float[] bias, int dimension, Map<String, float[]> users, Metrics model, Metrics popularity, int trainExamples) {}

  private final Settings settings;

  public ScorerTraining(Settings settings) {
    this.settings = settings;
  }

  /** @param progress told the number of examples processed, as training goes */
  public Result fit(CatalogSnapshot catalog, List<Interaction> interactions, LongConsumer progress) {
    int items = catalog.size();
    int embedding = catalog.dimension();
    int dim = settings.dimension();
    SplittableRandom random = new SplittableRandom(settings.seed());

    // Leave-last-out split per user with at least two positives.
    Map<String, List<Interaction>> byUser = new LinkedHashMap<>();
    for (Interaction interaction : interactions) {
      if (catalog.rowOf(interaction.itemId()) >= 0) {
        byUser.computeIfAbsent(interaction.userId(), u -> new ArrayList<>()).add(interaction);
      }
    }
    List<int[]> train = new ArrayList<>(); // {user, item, label}
    Map<Integer, Integer> heldOut = new HashMap<>();
    Map<Integer, Set<Integer>> seen = new HashMap<>();
    List<String> userIds = new ArrayList<>(byUser.keySet());
    for (int u = 0; u < userIds.size(); u++) {
      List<Interaction> history = byUser.get(userIds.get(u));
      history.sort(Comparator.comparingLong(Interaction::time));
      Interaction last = null;
      if (history.stream().filter(i -> i.label() == 1).count() >= 2) {
        for (Interaction i : history) {
          if (i.label() == 1) {
            last = i;
          }
        }
        heldOut.put(u, catalog.rowOf(last.itemId()));
      }
      Set<Integer> userSeen = new HashSet<>();
      for (Interaction i : history) {
        if (i != last) {
          int row = catalog.rowOf(i.itemId());
          train.add(new int[] {u, row, i.label()});
          userSeen.add(row);
        }
      }
      seen.put(u, userSeen);
    }

    float[] w = new float[dim * embedding];
    float[] bias = new float[items];
    float[][] users = new float[userIds.size()][dim];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() - 0.5) * 0.2);
    }
    for (float[] user : users) {
      for (int d = 0; d < dim; d++) {
        user[d] = (float) ((random.nextDouble() - 0.5) * 0.2);
      }
    }
    float[] embeddings = catalog.embeddingMatrix();
    float[] z = new float[dim];
    long examples = 0;
    for (int epoch = 0; epoch < settings.epochs(); epoch++) {
      double rate = settings.learningRate() / (1 + epoch * 0.5);
      for (int e = 0; e < train.size(); e++) {
        int[] example = train.get(random.nextInt(train.size()));
        examples += step(example[0], example[1], example[2], users, w, bias, embeddings, embedding, z, rate);
        if (example[2] == 1) {
          for (int n = 0; n < settings.negatives(); n++) {
            examples += step(example[0], random.nextInt(items), 0, users, w, bias, embeddings, embedding, z, rate);
          }
        }
        if (e % 1_000 == 0) {
          progress.accept(examples);
        }
      }
    }
    progress.accept(examples);

    float[] itemMatrix = new float[dim * items]; // [dim, items]
    for (int item = 0; item < items; item++) {
      tower(w, embeddings, item * embedding, embedding, z);
      for (int d = 0; d < dim; d++) {
        itemMatrix[d * items + item] = z[d];
      }
    }
    Map<String, float[]> userVectors = new LinkedHashMap<>();
    for (int u = 0; u < userIds.size(); u++) {
      userVectors.put(userIds.get(u), users[u]);
    }
    double[] popularity = new double[items];
    for (int[] example : train) {
      if (example[2] == 1) {
        popularity[example[1]]++;
      }
    }
    Metrics model = evaluate(heldOut, seen, items, (u, item) -> score(users[u], itemMatrix, bias, item, items));
    Metrics popular = evaluate(heldOut, seen, items, (u, item) -> popularity[item]);
    return new Result(itemMatrix, bias, dim, userVectors, model, popular, train.size());
  }

  /** One SGD step on one (user, item, label); returns 1. */
  private int step(int u, int item, int label, float[][] users, float[] w, float[] bias, float[] embeddings, int embedding, float[] z, double rate) {
    int offset = item * embedding;
    tower(w, embeddings, offset, embedding, z);
    float[] user = users[u];
    double s = bias[item];
    for (int d = 0; d < z.length; d++) {
      s += user[d] * z[d];
    }
    double g = 1 / (1 + Math.exp(-s)) - label; // d(BCE)/d(score)
    bias[item] -= (float) (rate * g);
    for (int d = 0; d < z.length; d++) {
      float userD = user[d];
      user[d] -= (float) (rate * (g * z[d] + settings.l2() * userD));
      float gz = (float) (rate * g * userD);
      int row = d * embedding;
      for (int e = 0; e < embedding; e++) {
        w[row + e] -= gz * embeddings[offset + e];
      }
    }
    return 1;
  }

  /** z = W x for the item at {@code offset}. */
  private static void tower(float[] w, float[] embeddings, int offset, int embedding, float[] z) {
    for (int d = 0; d < z.length; d++) {
      float sum = 0;
      int row = d * embedding;
      for (int e = 0; e < embedding; e++) {
        sum += w[row + e] * embeddings[offset + e];
      }
      z[d] = sum;
    }
  }

  private static double score(float[] user, float[] itemMatrix, float[] bias, int item, int items) {
    double s = bias[item];
    for (int d = 0; d < user.length; d++) {
      s += user[d] * itemMatrix[d * items + item];
    }
    return s;
  }

  private interface Scorer {
    double score(int user, int item);
  }

  private Metrics evaluate(Map<Integer, Integer> heldOut, Map<Integer, Set<Integer>> seen, int items, Scorer scorer) {
    double recall = 0;
    double ndcg = 0;
    for (Map.Entry<Integer, Integer> test : heldOut.entrySet()) {
      int user = test.getKey();
      int target = test.getValue();
      double targetScore = scorer.score(user, target);
      int rank = 0; // items strictly better than the held-out one (ties broken against it)
      Set<Integer> exclude = seen.get(user);
      for (int item = 0; item < items && rank < settings.k(); item++) {
        if (item != target && !exclude.contains(item) && scorer.score(user, item) >= targetScore) {
          rank++;
        }
      }
      if (rank < settings.k()) {
        recall += 1;
        ndcg += 1 / (Math.log(rank + 2) / Math.log(2));
      }
    }
    int n = Math.max(1, heldOut.size());
    return new Metrics(recall / n, ndcg / n, heldOut.size());
  }
}
