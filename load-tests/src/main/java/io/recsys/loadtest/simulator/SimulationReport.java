package io.recsys.loadtest.simulator;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** summary.json, summary.md and ctr.png for one simulation. */
final class SimulationReport {
  private final List<PolicyMetrics> metrics;
  private final List<Drift> drifts;
  private final JsonObject config;

  SimulationReport(List<PolicyMetrics> metrics, List<Drift> drifts, JsonObject config) {
    this.metrics = metrics;
    this.drifts = drifts;
    this.config = config;
  }

  /** Writes the three files; returns the summary written to summary.json. */
  JsonObject writeTo(Path directory) throws IOException {
    Files.createDirectories(directory);
    JsonObject summary = summary();
    Files.writeString(directory.resolve("summary.json"), new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(summary) + "\n");
    Files.writeString(directory.resolve("summary.md"), markdown(summary));
    plot(directory.resolve("ctr.png"));
    return summary;
  }

  JsonObject summary() {
    PolicyMetrics oracle = metrics.stream().filter(m -> m.policy().equals("oracle")).findFirst().orElse(null);
    int n = metrics.get(0).impressions();
    int window = Math.max(500, n / 20);
    JsonObject policies = new JsonObject();
    for (PolicyMetrics m : metrics) {
      JsonObject entry = new JsonObject();
      entry.addProperty("ctr", m.ctr(0, n));
      entry.addProperty("ctr_second_half", m.ctr(n / 2, n));
      entry.addProperty("cumulative_reward", m.totalClicks());
      if (oracle != null) {
        entry.addProperty("regret", m.regretAgainst(oracle));
        entry.addProperty("ctr_second_half_vs_oracle", m.ctr(n / 2, n) / oracle.ctr(n / 2, n));
      }
      entry.addProperty("coverage", m.coverage());
      if (!Double.isNaN(m.intraListSimilarity())) {
        entry.addProperty("intra_list_similarity", m.intraListSimilarity());
      }
      JsonObject recovery = new JsonObject();
      for (int d = 0; d < drifts.size(); d++) {
        long until = d + 1 < drifts.size() ? drifts.get(d + 1).at() : n;
        Long impressions = m.recoveryImpressions(drifts.get(d), window, until);
        if (impressions == null) {
          recovery.add(drifts.get(d).label(), com.google.gson.JsonNull.INSTANCE);
        } else {
          recovery.addProperty(drifts.get(d).label(), impressions);
        }
      }
      entry.add("recovery_impressions", recovery);
      policies.add(m.policy(), entry);
    }
    JsonObject summary = new JsonObject();
    summary.add("config", config);
    summary.add("policies", policies);
    return summary;
  }

  private String markdown(JsonObject summary) {
    StringBuilder md = new StringBuilder("# Simulation summary\n\n");
    md.append(diversityCurve(summary));
    md.append("Config: `").append(config).append("`\n\n");
    md.append("| policy | CTR | CTR 2nd half | vs oracle (2nd half) | cumulative reward | regret | coverage |");
    drifts.forEach(d -> md.append(" recovery ").append(d.label()).append(" |"));
    md.append("\n|---|---|---|---|---|---|---|");
    drifts.forEach(d -> md.append("---|"));
    md.append('\n');
    JsonObject policies = summary.getAsJsonObject("policies");
    for (String name : policies.keySet()) {
      JsonObject p = policies.getAsJsonObject(name);
      md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %s | %d | %s | %.3f |",
          name, p.get("ctr").getAsDouble(), p.get("ctr_second_half").getAsDouble(),
          p.has("ctr_second_half_vs_oracle") ? String.format(Locale.ROOT, "%.2f", p.get("ctr_second_half_vs_oracle").getAsDouble()) : "-",
          p.get("cumulative_reward").getAsLong(),
          p.has("regret") ? String.format(Locale.ROOT, "%.0f", p.get("regret").getAsDouble()) : "-",
          p.get("coverage").getAsDouble()));
      JsonObject recovery = p.getAsJsonObject("recovery_impressions");
      for (Drift d : drifts) {
        md.append(' ').append(recovery.get(d.label()).isJsonNull() ? "not recovered" : recovery.get(d.label()).getAsString()).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  /**
   * The CTR against intra-list diversity (1 - mean pairwise cosine of a list's content vectors) of
   * the server runs that asked for a diversity ({@code server-diversity-<d>}); empty without them.
   */
  private static String diversityCurve(JsonObject summary) {
    JsonObject policies = summary.getAsJsonObject("policies");
    List<String> runs = policies.keySet().stream().filter(name -> name.startsWith(SimulateCommand.DIVERSITY_POLICY)).toList();
    if (runs.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("## CTR vs intra-list diversity\n\n");
    md.append("| requested diversity | CTR | CTR 2nd half | intra-list similarity | intra-list diversity | coverage |\n|---|---|---|---|---|---|\n");
    for (String name : runs) {
      JsonObject p = policies.getAsJsonObject(name);
      double similarity = p.get("intra_list_similarity").getAsDouble();
      md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.3f | %.3f | %.3f |%n",
          name.substring(SimulateCommand.DIVERSITY_POLICY.length()), p.get("ctr").getAsDouble(), p.get("ctr_second_half").getAsDouble(),
          similarity, 1 - similarity, p.get("coverage").getAsDouble()));
    }
    return md.append('\n').toString();
  }

  private void plot(Path file) throws IOException {
    XYChart chart =
        new XYChartBuilder().width(1100).height(550).title("CTR over time (clicks per shown item)")
            .xAxisTitle("impression").yAxisTitle("CTR").build();
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    double max = 0;
    for (PolicyMetrics m : metrics) {
      Map<Integer, Double> series = m.ctrSeries(100);
      List<Integer> x = new ArrayList<>(series.keySet());
      List<Double> y = new ArrayList<>(series.values());
      max = Math.max(max, y.stream().mapToDouble(Double::doubleValue).max().orElse(0));
      chart.addSeries(m.policy(), x, y).setMarker(SeriesMarkers.NONE);
    }
    for (Drift drift : drifts) {
      XYSeries marker = chart.addSeries(drift.label(), List.of(drift.at(), drift.at()), List.of(0.0, max * 1.05));
      marker.setMarker(SeriesMarkers.NONE);
      marker.setLineColor(Color.GRAY);
      marker.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
