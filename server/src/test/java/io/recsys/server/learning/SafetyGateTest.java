package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.QNetworkModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gate on a synthetic log with known truth: items 0-9 always earn 1, the others 0, and the
 * log comes from a uniformly random first pick among 20 candidates (propensity 1/20).
 */
class SafetyGateTest {
  private static final int DIM = 16;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(2), 40, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);
  private static List<Transition> log;
  private static QNetwork trained;

  @BeforeAll
  static void logAndTrain() {
    Random random = new Random(5);
    log = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      List<String> candidates = new ArrayList<>();
      for (int item = 0; item < 40; item++) {
        candidates.add("item-" + item);
      }
      Collections.shuffle(candidates, random);
      candidates = candidates.subList(0, 20);
      String shown = candidates.get(random.nextInt(20));
      float reward = Integer.parseInt(shown.substring(5)) < 10 ? 1f : 0f;
      float[] state = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        state[d] = (float) random.nextGaussian() * 0.3f;
      }
      log.add(new Transition(StateCodec.encode(state), shown, 0, reward, StateCodec.encode(state), List.copyOf(candidates), 1f / 20, "v1", i));
    }
    // Fit Q(s, a) to the immediate reward (gamma 0): the network learns which items pay.
    trained = QNetwork.initialised(DIM, 8, 16, 8, 3);
    Adam adam = new Adam(trained.weights().length, 0.01);
    HuberLoss loss = new HuberLoss(1);
    QBatch batch = new QBatch(trained, 128, 64);
    double[] gradient = new double[trained.weights().length];
    for (int step = 0; step < 400; step++) {
      batch.begin();
      for (int i = 0; i < 64; i++) {
        Transition t = log.get(random.nextInt(log.size()));
        double[] state = new double[DIM];
        StateCodec.decode(t.state(), state);
        double[] item = new double[DIM];
        float[] embedding = CATALOG.embedding(CATALOG.rowOf(t.itemId()));
        for (int d = 0; d < DIM; d++) {
          item[d] = embedding[d];
        }
        int pair = batch.pair(batch.add(state), batch.add(item));
        batch.backward(pair, loss.derivative(batch.q(pair) - t.reward()));
      }
      batch.moveAverageGradientInto(gradient, 64);
      adam.step(trained.weights(), gradient);
    }
  }

  private static SafetyGate gate() {
    return new SafetyGate(0.02, 0.05, 100, new QRange(0, 10), new OffPolicyEvaluation(200, 0.95, 1));
  }

  @Test
  void aGenuinelyBetterCandidateIsPublished() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log, CATALOG);

      assertThat(verdict.publish()).as(verdict.reason()).isTrue();
      assertThat(verdict.liveValue()).isCloseTo(0.25, org.assertj.core.api.Assertions.within(0.05));
      assertThat(verdict.snips().value()).isGreaterThan(0.8);
      assertThat(verdict.dr().ciLow()).isGreaterThan(verdict.liveValue());
    }
  }

  @Test
  void aBrokenCandidateIsRejectedWithTheReason() {
    QNetwork broken = trained.copy();
    double[] w = broken.weights();
    for (int i = broken.w3(); i < w.length; i++) {
      w[i] = -w[i]; // negated output layer: Q becomes -Q, the worst items rank first
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "broken", broken.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log, CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).contains("estimated worse than live");
      assertThat(verdict.snips().value()).isLessThan(0.1);
    }
  }

  @Test
  void candidatesTheCatalogNoLongerHoldsAreLeftOut() {
    List<Transition> withGhosts = new ArrayList<>();
    for (Transition t : log) {
      List<String> candidates = new ArrayList<>(List.of("gone-1", "gone-2"));
      candidates.addAll(t.candidates());
      withGhosts.add(new Transition(t.state(), t.itemId(), t.position(), t.reward(), t.nextState(), candidates,
          t.propensity(), t.modelVersion(), t.timeMicros()));
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict clean = gate().judge(candidate, log, CATALOG);
      SafetyGate.Verdict ghosts = gate().judge(candidate, withGhosts, CATALOG);

      assertThat(ghosts.snips().value()).isEqualTo(clean.snips().value());
      assertThat(ghosts.dr().value()).isEqualTo(clean.dr().value());
    }
  }

  @Test
  void tooFewDecisionsGiveNoVerdict() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "early", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log.subList(0, 50), CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).contains("only 50 logged decisions, need 100");
    }
  }

  @Test
  void aDivergedCandidateIsRefusedWhateverTheEstimatorsSay() {
    QNetwork diverged = trained.copy();
    double[] w = diverged.weights();
    for (int i = diverged.w3(); i < w.length; i++) {
      w[i] *= 1e7; // the same ranking as the good candidate, at values no reward can reach
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "diverged", diverged.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log, CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).contains("diverged").contains("[0.00, 10.0]");
    }
  }

  @Test
  void aWindowWhoseRewardsAreAllTheSameGivesNoVerdict() {
    // Only no-reaction rewards: every policy looks alike (SNIPS = DR = live = 0.5).
    List<Transition> silent = new ArrayList<>();
    for (Transition t : log) {
      silent.add(new Transition(t.state(), t.itemId(), t.position(), 0.5f, t.nextState(), t.candidates(),
          t.propensity(), t.modelVersion(), t.timeMicros()));
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, silent, CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).startsWith("no verdict").contains("all 1500 logged rewards are 0.500");
    }
  }
}
