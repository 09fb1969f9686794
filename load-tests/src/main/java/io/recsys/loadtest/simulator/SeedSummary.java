package io.recsys.loadtest.simulator;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Medians over several seeds' summaries, since one run's figures (recovery above all) move a lot
 * between seeds: per policy, the median and range of the second-half CTR against the oracle, of
 * the cumulative reward and of each drift's recovery, and the learning server's reward ratios.
 */
final class SeedSummary {
  private SeedSummary() {}

  static String markdown(List<JsonObject> summaries, List<Drift> drifts) {
    JsonObject first = summaries.get(0).getAsJsonObject("policies");
    StringBuilder md = new StringBuilder("# Simulation over ").append(summaries.size()).append(" seeds\n\n");
    md.append("Config of the first seed: `").append(summaries.get(0).get("config")).append("`\n\n");
    md.append("Median (min to max) over seeds.\n\n| policy | vs oracle (2nd half) | cumulative reward |");
    drifts.forEach(d -> md.append(" recovery ").append(d.label()).append(" |"));
    md.append("\n|---|---|---|");
    drifts.forEach(d -> md.append("---|"));
    md.append('\n');
    for (String policy : first.keySet()) {
      md.append("| ").append(policy).append(" | ")
          .append(range(values(summaries, policy, "ctr_second_half_vs_oracle"), "%.2f")).append(" | ")
          .append(range(values(summaries, policy, "cumulative_reward"), "%.0f")).append(" |");
      for (Drift drift : drifts) {
        md.append(' ').append(recovery(summaries, policy, drift.label())).append(" |");
      }
      md.append('\n');
    }
    md.append('\n');
    for (String baseline : List.of("linucb", "server-static", "online-mf")) {
      if (first.has("server-learning") && first.has(baseline)) {
        double[] ratios = new double[summaries.size()];
        for (int s = 0; s < summaries.size(); s++) {
          JsonObject policies = summaries.get(s).getAsJsonObject("policies");
          ratios[s] = reward(policies, "server-learning") / reward(policies, baseline);
        }
        md.append("- server-learning's cumulative reward / ").append(baseline).append("'s: ").append(range(ratios, "%.2f")).append('\n');
      }
    }
    return md.toString();
  }

  private static double reward(JsonObject policies, String policy) {
    return policies.getAsJsonObject(policy).get("cumulative_reward").getAsDouble();
  }

  private static double[] values(List<JsonObject> summaries, String policy, String field) {
    List<Double> values = new ArrayList<>();
    for (JsonObject summary : summaries) {
      JsonObject entry = summary.getAsJsonObject("policies").getAsJsonObject(policy);
      if (entry != null && entry.has(field)) {
        values.add(entry.get(field).getAsDouble());
      }
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** A drift's median recovery; a run that never recovered counts as longer than any that did. */
  private static String recovery(List<JsonObject> summaries, String policy, String drift) {
    double[] impressions = new double[summaries.size()];
    int recovered = 0;
    for (int s = 0; s < summaries.size(); s++) {
      JsonElement value =
          summaries.get(s).getAsJsonObject("policies").getAsJsonObject(policy).getAsJsonObject("recovery_impressions").get(drift);
      boolean never = value == null || value.isJsonNull();
      impressions[s] = never ? Double.POSITIVE_INFINITY : value.getAsDouble();
      recovered += never ? 0 : 1;
    }
    double median = median(impressions);
    String text = Double.isInfinite(median) ? "not recovered" : String.format(Locale.ROOT, "%.0f", median);
    return recovered == summaries.size() ? text : text + " (" + recovered + "/" + summaries.size() + " recovered)";
  }

  static String range(double[] values, String format) {
    if (values.length == 0) {
      return "-";
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, format + " (" + format + " to " + format + ")", median(values), sorted[0], sorted[sorted.length - 1]);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
