package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.recsys.server.api.VectorCatalogServer;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.ReportFeedbackRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard in {@code docs/grafana} against a real server: every metric its queries
 * name is in the server's exposition, and a real Prometheus (Debian's package, which CI installs)
 * scrapes the server and answers every one of its queries with data.
 */
class MetricsDashboardTest {
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "recsys-dashboard.json");
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final String TOKEN = "metrics-test-token-0123456789";
  private static final Set<String> PROMQL_WORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "le");

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyDashboardQueryUsesExportedMetricsAndARealPrometheusAnswersIt() throws Exception {
    List<String> queries = dashboardQueries();
    assertThat(queries).hasSizeGreaterThan(20);
    Path tokens = Files.writeString(dir.resolve("tokens"), TOKEN + "\n");
    try (VectorCatalogServer server =
        VectorCatalogServer.start(dir, 3, 200, 16, "item-", c -> c.toBuilder().metricsPort(0).tokenFile(tokens).build())) {
      int durable = exercise(server);
      System.gc(); // one GC pause on record, as a running server has
      String exposition = get("http://127.0.0.1:" + server.server.metricsPort() + "/metrics");
      assertThat(MetricsEndpointTest.value(exposition, "recsys_feedback_durable_events_total")).isEqualTo(durable);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_feedback_duplicate_events_total")).isEqualTo(durable);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_feedback_rejected_events_total")).isEqualTo(durable);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_auth_refused_calls_total")).isEqualTo(1);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_feedback_log_group_commit_records_total")).isGreaterThanOrEqualTo(durable);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_feedback_log_fsync_seconds_total")).isPositive();
      assertThat(MetricsEndpointTest.value(exposition, "recsys_onnx_runs_total", "stage=\"retrieval\"")).isGreaterThanOrEqualTo(20);
      assertThat(MetricsEndpointTest.value(exposition, "recsys_recommend_batched_requests_total")).isEqualTo(20);
      Set<String> exported = sampleNames(exposition);
      for (String query : queries) {
        assertThat(exported).as("metrics of %s", query).containsAll(metricNames(query));
      }

      if (!Files.isExecutable(PROMETHEUS)) {
        Assumptions.assumeFalse("1".equals(System.getenv("RECSYS_REQUIRE_PROMETHEUS")), "RECSYS_REQUIRE_PROMETHEUS=1 but " + PROMETHEUS + " is missing");
        Assumptions.abort(PROMETHEUS + " is not installed (CI installs Debian's prometheus): the real-Prometheus half is skipped");
      }
      Process prometheus = startPrometheus(server.server.metricsPort());
      try {
        int port = prometheusPort;
        awaitScrapes(port, 3);
        assertThat(scalar(query(port, "recsys_feedback_durable_events_total"))).isEqualTo(durable);
        for (String query : queries) {
          JsonObject answer = query(port, query);
          assertThat(answer.get("status").getAsString()).as("%s: %s", query, answer).isEqualTo("success");
          assertThat(answer.getAsJsonObject("data").getAsJsonArray("result")).as("data for %s", query).isNotEmpty();
        }
      } finally {
        prometheus.destroy();
        prometheus.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Recommends, reactions accepted, repeated and refused, and a call without its token. */
  private static int exercise(VectorCatalogServer server) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.server.port()).usePlaintext().build();
    try {
      Metadata headers = new Metadata();
      headers.put(BearerTokenAuth.AUTHORIZATION, "Bearer " + TOKEN);
      FeedbackServiceGrpc.FeedbackServiceBlockingStub feedback =
          FeedbackServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      int durable = 0;
      for (int u = 0; u < 20; u++) {
        RecommendResponse list = server.client.recommend("user-" + u, 5);
        FeedbackEvent click = FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("user-" + u)
            .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
        feedback.reportFeedback(ReportFeedbackRequest.newBuilder().setEvent(click).build());
        durable++;
        feedback.reportFeedback(ReportFeedbackRequest.newBuilder().setEvent(click).build()); // a duplicate
        feedback.reportFeedback(ReportFeedbackRequest.newBuilder().setEvent(click.toBuilder().setItemId("not-shown")).build());
      }
      try {
        FeedbackServiceGrpc.newBlockingStub(channel).reportFeedback(ReportFeedbackRequest.getDefaultInstance());
      } catch (StatusRuntimeException expected) {
        // UNAUTHENTICATED: counted by the auth metric and the gRPC family
      }
      return durable;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static List<String> dashboardQueries() throws IOException {
    JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
    List<String> queries = new ArrayList<>();
    for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
      for (JsonElement target : panel.getAsJsonObject().getAsJsonArray("targets")) {
        queries.add(target.getAsJsonObject().get("expr").getAsString());
      }
    }
    return queries;
  }

  /** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
  static Set<String> metricNames(String promql) {
    String bare =
        promql.replaceAll("\\{[^}]*}", "")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
            .replaceAll("\\[[^]]*]", "");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(?!\\s*\\()(?![a-zA-Z0-9_:])").matcher(bare);
    while (m.find()) {
      if (!PROMQL_WORDS.contains(m.group())) {
        names.add(m.group());
      }
    }
    return names;
  }

  private static Set<String> sampleNames(String exposition) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(exposition);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private int prometheusPort;

  private Process startPrometheus(int metricsPort) throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      prometheusPort = free.getLocalPort();
    }
    Path config =
        Files.writeString(
            dir.resolve("prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n  - job_name: recsys\n    static_configs:\n      - targets: ['127.0.0.1:" + metricsPort + "']\n");
    return new ProcessBuilder(
            PROMETHEUS.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--web.listen-address=127.0.0.1:" + prometheusPort)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
  }

  /** Waits until Prometheus has scraped the server {@code scrapes} times (rates need two). */
  private void awaitScrapes(int port, int scrapes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        JsonObject answer = query(port, "count_over_time(up{job=\"recsys\"}[1m])");
        JsonArray result = answer.getAsJsonObject("data").getAsJsonArray("result");
        if (!result.isEmpty() && scalar(answer) >= scrapes) {
          return;
        }
      } catch (IOException notYetUp) {
        // Prometheus is still starting
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Prometheus did not scrape the server within 60 s:\n" + Files.readString(dir.resolve("prometheus.log")));
      }
      Thread.sleep(250);
    }
  }

  private JsonObject query(int port, String promql) throws Exception {
    String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    return JsonParser.parseString(get(url)).getAsJsonObject();
  }

  /** The value of the first sample of an instant-vector answer. */
  private static double scalar(JsonObject answer) {
    JsonArray value = answer.getAsJsonObject("data").getAsJsonArray("result").get(0).getAsJsonObject().getAsJsonArray("value");
    return Double.parseDouble(value.get(1).getAsString());
  }

  private String get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }
}
