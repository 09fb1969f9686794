package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.Transition;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.QNetworkModel;
import io.recsys.server.policy.EpsilonGreedy;
import io.recsys.server.policy.Exploration;
import io.recsys.server.policy.SoftmaxExploration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gate on a synthetic log with known truth: items 0-9 always earn 1, the others 0; each list
 * of 5 was drawn uniformly without replacement from 20 candidates (propensity 1 / (20 - position)).
 * Every list's candidates hold one of the "star" items 0-4, four of the other good items 5-9 and
 * 15 bad ones, so that a candidate can be good at the top and bad below it.
 */
class SafetyGateTest {
  private static final int DIM = 16;
  private static final int K = 5;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(2), 40, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);
  private static List<Transition> log;
  /** Q = 1 for good items, 0 for bad: the genuinely better candidate. */
  private static QNetwork trained;
  /** Q = 2 for the star items, 1 for bad ones, 0 for the other good ones: best at the top only. */
  private static QNetwork topOnly;

  @BeforeAll
  static void logAndTrain() {
    Random random = new Random(5);
    log = new ArrayList<>();
    for (int list = 0; list < 400; list++) {
      List<String> candidates = new ArrayList<>();
      candidates.add("item-" + random.nextInt(5));
      List<Integer> good = new ArrayList<>(List.of(5, 6, 7, 8, 9));
      Collections.shuffle(good, random);
      good.subList(0, 4).forEach(i -> candidates.add("item-" + i));
      List<Integer> bad = new ArrayList<>();
      for (int item = 10; item < 40; item++) {
        bad.add(item);
      }
      Collections.shuffle(bad, random);
      bad.subList(0, 15).forEach(i -> candidates.add("item-" + i));
      Collections.shuffle(candidates, random);
      float[] state = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        state[d] = (float) random.nextGaussian() * 0.3f;
      }
      List<String> remaining = new ArrayList<>(candidates);
      for (int position = 0; position < K; position++) {
        String shown = remaining.remove(random.nextInt(remaining.size()));
        float reward = item(shown) < 10 ? 1f : 0f;
        log.add(new Transition("list-" + list, StateCodec.encode(state), shown, position, reward, StateCodec.encode(state),
            List.copyOf(candidates), 1f / (20 - position), "v1", list));
      }
    }
    trained = fit(random, item -> item < 10 ? 1 : 0);
    topOnly = fit(random, item -> item < 5 ? 2 : item < 10 ? 0 : 1);
  }

  private static int item(String id) {
    return Integer.parseInt(id.substring(5));
  }

  /** Fits Q(s, a) to {@code target(item)} whatever the state: a network that ranks items so. */
  private static QNetwork fit(Random random, java.util.function.IntToDoubleFunction target) {
    QNetwork network = QNetwork.initialised(DIM, 8, 16, 8, 3);
    Adam adam = new Adam(network.weights().length, 0.01);
    HuberLoss loss = new HuberLoss(1);
    QBatch batch = new QBatch(network, 128, 64);
    double[] gradient = new double[network.weights().length];
    for (int step = 0; step < 1_500; step++) {
      batch.begin();
      for (int i = 0; i < 64; i++) {
        Transition t = log.get(random.nextInt(log.size()));
        double[] state = new double[DIM];
        StateCodec.decode(t.state(), state);
        String candidate = t.candidates().get(random.nextInt(t.candidates().size()));
        double[] item = new double[DIM];
        float[] embedding = CATALOG.embedding(CATALOG.rowOf(candidate));
        for (int d = 0; d < DIM; d++) {
          item[d] = embedding[d];
        }
        int pair = batch.pair(batch.add(state), batch.add(item));
        batch.backward(pair, loss.derivative(batch.q(pair) - target.applyAsDouble(item(candidate))));
      }
      batch.moveAverageGradientInto(gradient, 64);
      adam.step(network.weights(), gradient);
    }
    return network;
  }

  private static SafetyGate gate() {
    return gate(new EpsilonGreedy(0.05));
  }

  private static SafetyGate gate(Exploration exploration) {
    return new SafetyGate(0.02, exploration, 100, new QRange(0, 10), RewardRange.RATE, new OffPolicyEvaluation(200, 0.95, 1));
  }

  @Test
  void aGenuinelyBetterCandidateIsPublished() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log, CATALOG);

      assertThat(verdict.publish()).as(verdict.reason()).isTrue();
      // Live: 5 of 20 candidates pay, so 5 x 0.25 a list; the better candidate shows the 5 good ones.
      assertThat(verdict.liveValue()).isCloseTo(1.25, within(0.1));
      // The reward model shrinks each item's mean toward its position's, so the 5 good ones value above 3.
      assertThat(verdict.liveValue() + verdict.difference().value()).isGreaterThan(3);
      assertThat(verdict.difference().ciLow()).isGreaterThan(2);
      assertThat(verdict.reason()).contains("slate_dm").contains("slate_snrips").contains("serving epsilon:0.05");
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
      assertThat(verdict.reason()).startsWith("possibly worse than live");
      assertThat(verdict.difference().ciHigh()).isLessThan(-0.5);
    }
  }

  @Test
  void aCandidateWorseOnlyBelowTheTopIsRejectedThoughItsFirstPositionIsBetter() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "top-only", topOnly.toWeights())) {
      // Judged on the first position alone (what the gate did before whole lists), it passes.
      List<Transition> firstPositions = log.stream().filter(t -> t.position() == 0).toList();
      SafetyGate.Verdict onTop = gate().judge(candidate, firstPositions, CATALOG);
      SafetyGate.Verdict whole = gate().judge(candidate, log, CATALOG);

      assertThat(onTop.publish()).as(onTop.reason()).isTrue();
      assertThat(whole.publish()).as(whole.reason()).isFalse();
      assertThat(whole.difference().ciHigh()).isLessThan(0);
    }
  }

  @Test
  void aSoftmaxServingServerIsJudgedWithSoftmaxProbabilities() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      // At a very high temperature softmax serves nearly uniform lists: the logging policy itself.
      SafetyGate.Verdict hot = gate(new SoftmaxExploration(1_000)).judge(candidate, log, CATALOG);
      // At a low one it serves what the network prefers, as epsilon-greedy does.
      SafetyGate.Verdict cold = gate(new SoftmaxExploration(0.05)).judge(candidate, log, CATALOG);

      assertThat(hot.difference().value()).isCloseTo(0, within(0.15));
      assertThat(hot.weighted().value()).isCloseTo(0, within(0.05));
      assertThat(hot.weighted().effectiveSampleSize()).as("weights near 1").isGreaterThan(390);
      assertThat(hot.reason()).contains("softmax:1000.0");
      assertThat(cold.difference().value()).isGreaterThan(2);
    }
  }

  @Test
  void candidatesTheCatalogNoLongerHoldsAreLeftOut() {
    List<Transition> withGhosts = new ArrayList<>();
    for (Transition t : log) {
      List<String> candidates = new ArrayList<>(List.of("gone-1", "gone-2"));
      candidates.addAll(t.candidates());
      withGhosts.add(new Transition(t.eventId(), t.state(), t.itemId(), t.position(), t.reward(), t.nextState(), candidates,
          t.propensity(), t.modelVersion(), t.timeMicros()));
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict clean = gate().judge(candidate, log, CATALOG);
      SafetyGate.Verdict ghosts = gate().judge(candidate, withGhosts, CATALOG);

      assertThat(ghosts.difference().value()).isEqualTo(clean.difference().value());
    }
  }

  @Test
  void listsStillInTheirJoinWindowAreJudgedDownToTheirLastSettledPosition() {
    // Position 2 of every list has not settled yet: lists of 2 are judged, not lists with a hole.
    List<Transition> settling = log.stream().filter(t -> t.position() != 2).toList();
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, settling, CATALOG);

      assertThat(verdict.reason()).contains("a list of 2.0");
      assertThat(verdict.liveValue()).isCloseTo(0.5, within(0.1));
    }
  }

  @Test
  void tooFewListsGiveNoVerdict() {
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "early", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, log.subList(0, 50 * K), CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).contains("only 50 complete logged lists, need 100");
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
    // Only no-reaction rewards: every policy looks alike.
    List<Transition> silent = new ArrayList<>();
    for (Transition t : log) {
      silent.add(new Transition(t.eventId(), t.state(), t.itemId(), t.position(), 0.5f, t.nextState(), t.candidates(),
          t.propensity(), t.modelVersion(), t.timeMicros()));
    }
    try (QNetworkModel candidate = QNetworkModel.create(RUNTIME, "better", trained.toWeights())) {
      SafetyGate.Verdict verdict = gate().judge(candidate, silent, CATALOG);

      assertThat(verdict.publish()).isFalse();
      assertThat(verdict.reason()).startsWith("no verdict").contains("the 400 lists are 0.500");
    }
  }
}
