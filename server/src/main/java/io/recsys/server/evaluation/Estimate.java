package io.recsys.server.evaluation;

/** A point estimate with its bootstrap confidence interval. */
public record Estimate(Estimator estimator, double value, double ciLow, double ciHigh, int samples) {
  public boolean covers(double truth) {
    return ciLow <= truth && truth <= ciHigh;
  }
}
