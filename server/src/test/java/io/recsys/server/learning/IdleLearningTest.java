package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without new transitions the trainer goes quiet: no new candidate versions from the same data. */
class IdleLearningTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(4), 30, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);

  @TempDir Path dataDir;

  @Test
  void anIdleServerStopsProposingVersionsUntilNewFeedbackArrives() throws Exception {
    ReplayBuffer replay = new ReplayBuffer(10_000);
    Random random = new Random(7);
    addTransitions(replay, random, 300);
    // A candidate every 20 steps, 10 steps a round, a round every 10 ms: dozens a second if unchecked.
    LearningSettings fast =
        new LearningSettings(Duration.ofMillis(10), 10, 50, 1.0, 20, 5_000, DqnTrainer.Settings.defaults());
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
        LearningLoop loop =
            new LearningLoop(
                fast, replay, () -> CATALOG, registry,
                new SafetyGate(0.02, new io.recsys.server.policy.EpsilonGreedy(0.05), 100, new QRange(0, 10), io.recsys.server.evaluation.RewardRange.RATE, new OffPolicyEvaluation(100, 0.95, 1)),
                ModelStore.open(dataDir), new QRange(0, 10), DIM)) {
      loop.start();
      awaitVersions(registry, 2); // v1 and the first candidate
      long stepsAfterFirst = loop.trainerSteps();
      Thread.sleep(1_000);

      assertThat(registry.versions()).hasSize(2);
      assertThat(loop.trainerSteps() - stepsAfterFirst).as("steps with nothing new to learn from").isLessThanOrEqualTo(20);

      addTransitions(replay, random, 50);
      awaitVersions(registry, 3);
    }
  }

  private static void awaitVersions(ModelRegistry registry, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (registry.versions().size() < count) {
      assertThat(System.nanoTime()).as("waiting for %d versions", count).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static void addTransitions(ReplayBuffer replay, Random random, int count) {
    List<String> candidates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      candidates.add("item-" + i);
    }
    for (int i = 0; i < count; i++) {
      float[] state = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        state[d] = (float) random.nextGaussian() * 0.3f;
      }
      int item = random.nextInt(20);
      replay.add(new Transition(java.util.UUID.randomUUID().toString(), StateCodec.encode(state), "item-" + item, 0, item < 10 ? 1f : 0f, StateCodec.encode(state),
          candidates, 1f / 20, "v1", i));
    }
  }
}
