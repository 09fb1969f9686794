package io.recsys.server.learning;

/** The Adam optimiser over one flat parameter vector. */
public final class Adam {
  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double[] firstMoment;
  private final double[] secondMoment;
  private long steps;

  public Adam(int parameters, double learningRate) {
    this(parameters, learningRate, 0.9, 0.999, 1e-8);
  }

  public Adam(int parameters, double learningRate, double beta1, double beta2, double epsilon) {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.firstMoment = new double[parameters];
    this.secondMoment = new double[parameters];
  }

  /** One step against {@code gradient} (already averaged over the minibatch). */
  public void step(double[] weights, double[] gradient) {
    steps++;
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = 1 - Math.pow(beta2, steps);
    for (int i = 0; i < weights.length; i++) {
      double g = gradient[i];
      firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g;
      secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g;
      double m = firstMoment[i] / correction1;
      double v = secondMoment[i] / correction2;
      weights[i] -= learningRate * m / (Math.sqrt(v) + epsilon);
    }
  }

  public long steps() {
    return steps;
  }
}
