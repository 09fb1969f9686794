package io.recsys.server.evaluation;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;

/** The JSON shape both {@code ope} commands print: per estimator, estimate and interval. */
public final class EstimateJson {
  private EstimateJson() {}

  /**
   * {@code {"ips": {"estimate": .., "ci_low": .., "ci_high": .., "effective_sample_size": ..,
   * "clipped": ..}, ...}}; with a reference value,
   * also each estimator's relative error and whether its interval covers the reference.
   */
  public static JsonObject byEstimator(List<Estimate> estimates, Double reference) {
    JsonObject byEstimator = new JsonObject();
    for (Estimate estimate : estimates) {
      JsonObject entry = new JsonObject();
      entry.addProperty("estimate", estimate.value());
      entry.addProperty("ci_low", estimate.ciLow());
      entry.addProperty("ci_high", estimate.ciHigh());
      entry.addProperty("effective_sample_size", estimate.effectiveSampleSize());
      entry.addProperty("clipped", estimate.clipped());
      if (reference != null) {
        entry.addProperty("relative_error", Math.abs(estimate.value() - reference) / reference);
        entry.addProperty("ci_covers_reference", estimate.covers(reference));
      }
      byEstimator.add(estimate.estimator(), entry);
    }
    return byEstimator;
  }

  /** Each estimate's warning (too small an effective sample size), named by its estimator. */
  public static JsonArray warnings(List<Estimate> estimates) {
    JsonArray warnings = new JsonArray();
    for (Estimate estimate : estimates) {
      if (estimate.warning() != null) {
        warnings.add(estimate.estimator() + ": " + estimate.warning());
      }
    }
    return warnings;
  }
}
