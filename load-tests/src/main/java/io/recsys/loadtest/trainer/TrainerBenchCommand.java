package io.recsys.loadtest.trainer;

import io.recsys.loadtest.BenchCatalog;
import io.recsys.loadtest.JsonReport;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.learning.DqnTrainer;
import io.recsys.server.learning.QRange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainer-bench}: Double-DQN transitions per second on one thread, with the server's
 * default network (384-d states and items, 64 and 32 hidden units) on synthetic transitions.
 */
@Command(name = "trainer-bench", mixinStandardHelpOptions = true, description = "Trainer transitions per second on one core.")
public final class TrainerBenchCommand implements Callable<Integer> {
  @Option(names = "--seconds", description = "Measured seconds (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int seconds;

  @Option(names = "--dim", description = "State and item dimension (default: ${DEFAULT-VALUE}, MiniLM's).", defaultValue = "384")
  int dim;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    int items = 2_000;
    CatalogSnapshot catalog = BenchCatalog.random(items, dim, 1);
    ReplayBuffer replay = new ReplayBuffer(50_000);
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < 50_000; i++) {
      float[] state = new float[dim];
      for (int d = 0; d < dim; d++) {
        state[d] = (float) (random.nextDouble() - 0.5);
      }
      List<String> candidates = new ArrayList<>(100);
      for (int c = 0; c < 100; c++) {
        candidates.add(catalog.item(random.nextInt(items)).id());
      }
      replay.add(new Transition("bench-" + i, StateCodec.encode(state), candidates.get(0), 0, random.nextInt(2), StateCodec.encode(state), candidates, 0.5f, "v1", i));
    }
    DqnTrainer.Settings settings = DqnTrainer.Settings.defaults();
    DqnTrainer trainer =
        new DqnTrainer(settings, QRange.reachable(RewardFunction.defaults(), settings.gamma()), replay, () -> catalog, dim, 3);
    long warmupEnd = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < warmupEnd) {
      trainer.step();
    }
    long before = trainer.transitionsSeen();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      trainer.step();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double perSecond = (trainer.transitionsSeen() - before) / elapsed;
    System.out.printf(Locale.ROOT, "Double DQN, batch %d, %d next actions, %d-d, projection %d, hidden %d/%d: %,.0f transitions/s on one thread%n",
        settings.batchSize(), settings.nextActions(), dim, settings.projection(), settings.hidden1(), settings.hidden2(), perSecond);
    if (json != null) {
      new JsonReport().put("dimension", dim).put("batch", settings.batchSize()).put("next_actions", settings.nextActions())
          .put("transitions_per_s", perSecond).writeTo(json);
    }
    return 0;
  }
}
