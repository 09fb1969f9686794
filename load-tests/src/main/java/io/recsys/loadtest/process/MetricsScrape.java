package io.recsys.loadtest.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One read of a server's Prometheus endpoint, every sample summed by metric name over its labels
 * (all GC causes' pause seconds, heap pools' used bytes): what a benchmark needs to see the cause
 * of a number beside the number.
 */
public final class MetricsScrape {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Map<String, Double> sums;

  private MetricsScrape(Map<String, Double> sums) {
    this.sums = sums;
  }

  /** Reads {@code http://localhost:port/metrics} now. */
  public static MetricsScrape of(int port) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build();
    return parse(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
  }

  /** The Prometheus text format's samples, summed by name; a name with labels also counts under {@code name{label="value"}} for each label. */
  static MetricsScrape parse(String exposition) {
    Map<String, Double> sums = new HashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      int brace = line.indexOf('{');
      String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
      double value = Double.parseDouble(line.substring(space + 1));
      sums.merge(name, value, Double::sum);
      if (brace >= 0 && brace < space) {
        for (String label : line.substring(brace + 1, line.lastIndexOf('}')).split(",")) {
          sums.merge(name + "{" + label + "}", value, Double::sum);
        }
      }
    }
    return new MetricsScrape(sums);
  }

  /** The sum of {@code name}'s samples (e.g. {@code jvm_gc_pause_seconds_sum}), 0 if it has none. */
  public double sum(String name) {
    return sums.getOrDefault(name, 0.0);
  }

  /** The sum of {@code name}'s samples that carry {@code label} (e.g. {@code area="heap"}). */
  public double sum(String name, String label) {
    return sums.getOrDefault(name + "{" + label + "}", 0.0);
  }
}
