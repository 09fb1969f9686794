package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A replay buffer like the one a fuzzing run left: three users who start cold and keep being
 * shown (and now and then clicking) the same items, nine in ten rewards the no-reaction 0.5, and
 * a trainer that keeps stepping on it. Without its guards the trainer ran away here (Q in the
 * thousands within 2,000 steps at a step size of 0.03); with them its values stay in the range
 * the rewards can reach, and a divergence rolls back and slows down instead of going on.
 */
class DqnDivergenceTest {
  private static final int DIM = 384;
  private static final int ITEMS = 300;
  private static final QRange RANGE = QRange.reachable(RewardFunction.defaults(), 0.9);

  @Test
  void theRewardsReachableRangeIsZeroToTenForTheDefaults() {
    assertThat(RANGE.low()).isZero();
    assertThat(RANGE.high()).isCloseTo(10, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(RANGE.implausible(14.9)).isFalse();
    assertThat(RANGE.implausible(15.1)).isTrue();
    assertThat(RANGE.implausible(Double.NaN)).isTrue();
  }

  @Test
  void atTheDefaultStepSizeQStaysInTheReachableRange() {
    Fixture fixture = new Fixture();
    DqnTrainer trainer = fixture.trainer(DqnTrainer.Settings.defaults());

    for (int step = 0; step < 3_000; step++) {
      trainer.step();
    }

    assertThat(trainer.divergences()).isZero();
    assertThat(fixture.qRangeOnTheBuffer(trainer.snapshot())).allSatisfy(q -> assertThat(q).isBetween(0.0, 10.0));
  }

  @Test
  void atAnUnstableStepSizeTheTrainerRollsBackAndStaysBounded() {
    Fixture fixture = new Fixture();
    DqnTrainer.Settings d = DqnTrainer.Settings.defaults();
    DqnTrainer trainer =
        fixture.trainer(
            new DqnTrainer.Settings(d.projection(), d.hidden1(), d.hidden2(), 0.03, d.gamma(), d.huberDelta(), d.batchSize(), d.nextActions(), d.targetUpdateRate()));

    for (int step = 0; step < 3_000; step++) {
      trainer.step();
      if (step % 500 == 499) {
        assertThat(fixture.qRangeOnTheBuffer(trainer.snapshot()))
            .as("step %d", step)
            .allSatisfy(q -> assertThat(RANGE.implausible(q)).isFalse());
      }
    }

    assertThat(trainer.divergences()).isPositive();
    assertThat(trainer.learningRate()).isLessThan(0.03);
  }

  /** The buffer, its catalog and the states in it. */
  private static final class Fixture {
    final CatalogSnapshot catalog;
    final ReplayBuffer buffer = new ReplayBuffer(10_000);
    final List<float[]> states = new ArrayList<>();
    final List<String> candidates = new ArrayList<>();

    Fixture() {
      SplittableRandom random = new SplittableRandom(1);
      List<CatalogItem> items = new ArrayList<>();
      float[] embeddings = new float[ITEMS * DIM];
      for (int i = 0; i < ITEMS; i++) {
        items.add(new CatalogItem("i" + i, "Item " + i, "", Map.of()));
        double norm = 0;
        for (int d = 0; d < DIM; d++) {
          embeddings[i * DIM + d] = (float) random.nextGaussian();
          norm += embeddings[i * DIM + d] * embeddings[i * DIM + d];
        }
        for (int d = 0; d < DIM; d++) {
          embeddings[i * DIM + d] /= (float) Math.sqrt(norm); // unit vectors, as MiniLM's
        }
      }
      catalog = CatalogSnapshot.of(items, embeddings, DIM);
      for (int i = 0; i < 100; i++) {
        candidates.add("i" + i);
      }
      for (int t = 0; t < 6_000; t++) {
        int user = t % 3;
        int clicks = random.nextInt(8); // how far this user has moved from cold
        float[] state = new float[DIM];
        for (int c = 0; c < clicks; c++) {
          attract(state, catalog.embedding(user));
        }
        boolean click = random.nextDouble() < 0.1;
        float[] next = state.clone();
        if (click) {
          attract(next, catalog.embedding(user));
        }
        String item = "i" + (click ? user : t % 10);
        buffer.add(new Transition("event-" + t / 10, StateCodec.encode(state), item, t % 10, click ? 1f : 0.5f, StateCodec.encode(next), candidates, 0.95f, "v1", t));
        states.add(state);
      }
    }

    private static void attract(float[] state, float[] item) {
      for (int d = 0; d < DIM; d++) {
        state[d] = 0.7f * state[d] + 0.3f * item[d];
      }
    }

    DqnTrainer trainer(DqnTrainer.Settings settings) {
      return new DqnTrainer(settings, RANGE, buffer, () -> catalog, DIM, 17);
    }

    /** Q of every shown item in a sample of the buffer's states. */
    List<Double> qRangeOnTheBuffer(QNetwork network) {
      List<Double> values = new ArrayList<>();
      for (int s = 0; s < states.size(); s += 97) {
        for (int item = 0; item < 10; item++) {
          values.add(network.q(states.get(s), catalog.embedding(item)));
        }
      }
      return values;
    }
  }
}
