package io.recsys.loadtest.simulator;

import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Plays one seeded stream of user visits against every policy side by side: at each step the
 * same users arrive for every policy, each policy shows its lists, and the world decides the
 * reactions with the same random numbers for the same (impression, item).
 */
final class Simulation {
  /**
   * @param impressions lists shown per policy
   * @param k items per list
   * @param usersPerStep visits served together (one RecommendBatch for the server)
   */
  record Settings(int impressions, int k, int usersPerStep, long seed) {}

  private final World world;
  private final Settings settings;
  /** Content vectors for the intra-list similarity of every list; null: not measured. */
  private final ContentVectors content;

  Simulation(World world, Settings settings) {
    this(world, settings, null);
  }

  /** @param content the catalog's content vectors, in the world's item order, to measure intra-list similarity */
  Simulation(World world, Settings settings, ContentVectors content) {
    this.world = world;
    this.settings = settings;
    this.content = content;
  }

  List<PolicyMetrics> run(List<Policy> policies) {
    List<PolicyMetrics> metrics = new ArrayList<>();
    for (Policy policy : policies) {
      metrics.add(new PolicyMetrics(policy.name(), settings.impressions(), settings.k(), world.itemIds().size()));
    }
    SplittableRandom visits = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
    try (ProgressBar progress =
        new ProgressBarBuilder()
            .setTaskName("Simulating")
            .setInitialMax(settings.impressions())
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(1_000)
            .build()) {
      for (int start = 0; start < settings.impressions(); start += settings.usersPerStep()) {
        int count = Math.min(settings.usersPerStep(), settings.impressions() - start);
        List<Integer> users = new ArrayList<>(count);
        List<double[]> tastes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          int user = visits.nextInt(world.users());
          users.add(user);
          tastes.add(world.taste(user, start + i));
        }
        for (int p = 0; p < policies.size(); p++) {
          step(policies.get(p), metrics.get(p), start, users, tastes);
        }
        progress.stepBy(count);
      }
    }
    return metrics;
  }

  private void step(Policy policy, PolicyMetrics metrics, int start, List<Integer> users, List<double[]> tastes) {
    List<List<String>> lists = policy.recommend(users, settings.k(), start);
    if (lists.size() != users.size()) {
      throw new IllegalStateException(policy.name() + " returned " + lists.size() + " lists for " + users.size() + " users");
    }
    FeedbackType[][] reactions = new FeedbackType[users.size()][];
    for (int u = 0; u < users.size(); u++) {
      List<String> list = lists.get(u);
      Set<String> distinct = new HashSet<>(list);
      if (distinct.size() != list.size() || list.size() > settings.k()) {
        throw new IllegalStateException(policy.name() + " returned a list with repeats or more than k items: " + list);
      }
      reactions[u] = new FeedbackType[list.size()];
      int clicks = 0;
      double expected = 0;
      List<Integer> items = new ArrayList<>(list.size());
      long impression = start + u;
      for (int position = 0; position < list.size(); position++) {
        int item = world.indexOf(list.get(position));
        items.add(item);
        double affinity = world.affinity(tastes.get(u), item);
        expected += World.clickProbability(affinity, position);
        reactions[u][position] = world.react(affinity, position, impression, item);
        clicks += reactions[u][position] == FeedbackType.FEEDBACK_TYPE_CLICK ? 1 : 0;
      }
      metrics.record((int) impression, clicks, expected, items);
      if (content != null && items.size() > 1) {
        metrics.recordSimilarity(content.intraListSimilarity(items));
      }
    }
    policy.observe(users, lists, reactions);
  }
}
