package io.recsys.server.api;

import io.recsys.server.model.ModelVersionInfo;
import java.io.IOException;

/**
 * What the admin API asks of the background trainer. Owned here, where it is used; the server's
 * wiring adapts the learning loop to it (serving code never sees the trainer itself), or hands
 * {@link #off()} when the server runs without learning.
 */
public interface TrainingControl {
  long trainerSteps();

  long trainerDivergences();

  /** Candidate versions the safety gate passed (they went live) since start. */
  long gatePassed();

  /** Candidate versions the safety gate refused since start. */
  long gateRefused();

  /** The trainer's last minibatch loss; NaN before its first step or without a trainer. */
  double lastLoss();

  boolean isPaused();

  /**
   * Serves {@code version} again and pauses training.
   *
   * @throws java.util.NoSuchElementException if no such version was ever recorded
   * @throws IllegalStateException if it cannot serve (rejected, unloadable weights)
   * @throws UnsupportedOperationException if there is no trainer
   * @throws IOException if the pin cannot be recorded durably (nothing changes)
   */
  ModelVersionInfo pin(String version) throws IOException;

  /**
   * @throws UnsupportedOperationException if there is no trainer
   * @throws IOException if the choice cannot be recorded durably
   */
  void setPaused(boolean paused) throws IOException;

  /** No trainer (learning off): nothing trains, so it counts as paused, and it cannot be steered. */
  static TrainingControl off() {
    return without(
        "the server runs with learning off: it serves the baseline only",
        "the server runs with learning off: there is no trainer to pause or resume");
  }

  /** A replica that serves what another process trains: steering is the trainer's. */
  static TrainingControl following(String store) {
    String message = "this replica follows the model store at " + store + ": pin or pause on its trainer";
    return without(message, message);
  }

  private static TrainingControl without(String whyNoPin, String whyNoPause) {
    return new TrainingControl() {
      @Override
      public long trainerSteps() {
        return 0;
      }

      @Override
      public long trainerDivergences() {
        return 0;
      }

      @Override
      public long gatePassed() {
        return 0;
      }

      @Override
      public long gateRefused() {
        return 0;
      }

      @Override
      public double lastLoss() {
        return Double.NaN;
      }

      @Override
      public boolean isPaused() {
        return true;
      }

      @Override
      public ModelVersionInfo pin(String version) {
        throw new UnsupportedOperationException(whyNoPin);
      }

      @Override
      public void setPaused(boolean paused) {
        throw new UnsupportedOperationException(whyNoPause);
      }
    };
  }
}
