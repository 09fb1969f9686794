package io.recsys.server.learning;

import java.time.Duration;

/**
 * The trainer's cadence: how often it trains, how much, on what share of a core, and how often
 * it proposes a candidate version to the safety gate.
 *
 * @param roundInterval pause between rounds
 * @param stepsPerRound minibatch steps per round
 * @param minReplay transitions the buffer must hold before training starts
 * @param cpuShare share of one core the loop may use (it sleeps the rest)
 * @param candidateEverySteps steps between candidate versions
 * @param gateWindow newest transitions the gate evaluates on
 * @param gate how strict the safety gate is
 * @param enabled off: no Q-network re-ranker is trained (the fast learner and users' content
 *     states still learn); for ablations, or where the re-ranker's cost is not wanted
 */
public record LearningSettings(
    Duration roundInterval,
    int stepsPerRound,
    int minReplay,
    double cpuShare,
    int candidateEverySteps,
    int gateWindow,
    DqnTrainer.Settings trainer,
    GateSettings gate,
    boolean enabled) {
  public LearningSettings {
    if (!(cpuShare > 0 && cpuShare <= 1)) {
      throw new IllegalArgumentException("trainer CPU share must be in (0, 1], got " + cpuShare);
    }
  }

  /** With the default gate. */
  public LearningSettings(
      Duration roundInterval, int stepsPerRound, int minReplay, double cpuShare, int candidateEverySteps, int gateWindow,
      DqnTrainer.Settings trainer) {
    this(roundInterval, stepsPerRound, minReplay, cpuShare, candidateEverySteps, gateWindow, trainer, GateSettings.defaults(), true);
  }

  public LearningSettings withEnabled(boolean on) {
    return new LearningSettings(roundInterval, stepsPerRound, minReplay, cpuShare, candidateEverySteps, gateWindow, trainer, gate, on);
  }

  /** A round every 200 ms, a candidate every 300 steps: about one per 10-20 s of steady feedback. */
  public static LearningSettings defaults() {
    return new LearningSettings(Duration.ofMillis(200), 20, 200, 0.5, 300, 5_000, DqnTrainer.Settings.defaults());
  }
}
