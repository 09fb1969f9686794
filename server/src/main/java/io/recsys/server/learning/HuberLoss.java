package io.recsys.server.learning;

/** Huber loss on a TD error: quadratic within {@code delta}, linear beyond (robust to outliers). */
public record HuberLoss(double delta) {
  public HuberLoss {
    if (!(delta > 0)) {
      throw new IllegalArgumentException("Huber delta must be > 0, got " + delta);
    }
  }

  public double value(double error) {
    double a = Math.abs(error);
    return a <= delta ? 0.5 * error * error : delta * (a - 0.5 * delta);
  }

  /** d(loss)/d(error). */
  public double derivative(double error) {
    return Math.max(-delta, Math.min(delta, error));
  }
}
