package io.recsys.server.ops;

import io.recsys.server.api.TrainingControl;
import io.recsys.server.learning.LearningLoop;
import io.recsys.server.model.ModelVersionInfo;
import java.io.IOException;

/** The learning loop as the admin API sees it: the wiring's adapter, so api never imports learning. */
final class LearningLoopControl implements TrainingControl {
  private final LearningLoop loop;

  LearningLoopControl(LearningLoop loop) {
    this.loop = loop;
  }

  @Override
  public long trainerSteps() {
    return loop.trainerSteps();
  }

  @Override
  public long trainerDivergences() {
    return loop.trainerDivergences();
  }

  @Override
  public long gatePassed() {
    return loop.gatePassed();
  }

  @Override
  public long gateRefused() {
    return loop.gateRefused();
  }

  @Override
  public double lastLoss() {
    return loop.lastLoss();
  }

  @Override
  public boolean isPaused() {
    return loop.isPaused();
  }

  @Override
  public ModelVersionInfo pin(String version) throws IOException {
    return loop.pin(version);
  }

  @Override
  public void setPaused(boolean paused) throws IOException {
    loop.setPaused(paused);
  }
}
