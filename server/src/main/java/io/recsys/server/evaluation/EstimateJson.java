package io.recsys.server.evaluation;

import com.google.gson.JsonObject;
import java.util.List;

/** The JSON shape both {@code ope} commands print: per estimator, estimate and interval. */
public final class EstimateJson {
  private EstimateJson() {}

  /**
   * {@code {"ips": {"estimate": .., "ci_low": .., "ci_high": ..}, ...}}; with a reference value,
   * also each estimator's relative error and whether its interval covers the reference.
   */
  public static JsonObject byEstimator(List<Estimate> estimates, Double reference) {
    JsonObject byEstimator = new JsonObject();
    for (Estimate estimate : estimates) {
      JsonObject entry = new JsonObject();
      entry.addProperty("estimate", estimate.value());
      entry.addProperty("ci_low", estimate.ciLow());
      entry.addProperty("ci_high", estimate.ciHigh());
      if (reference != null) {
        entry.addProperty("relative_error", Math.abs(estimate.value() - reference) / reference);
        entry.addProperty("ci_covers_reference", estimate.covers(reference));
      }
      byEstimator.add(estimate.estimator().label(), entry);
    }
    return byEstimator;
  }
}
