package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.StatusRuntimeException;
import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server with {@code --metrics-port 0}, real gRPC calls and feedback, then a real HTTP
 * scrape of {@code /metrics}: the calls, their statuses, the durable feedback and the JVM are there
 * in the Prometheus text format; and, where Prometheus's {@code promtool} is installed (CI installs
 * Debian's {@code prometheus}), the exposition passes its linter.
 */
class MetricsEndpointTest {
  @TempDir Path dir;

  @Test
  void aScrapeShowsTheCallsTheirStatusesTheFeedbackAndTheJvm() throws Exception {
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    for (int i = 0; i < 30; i++) {
      csv.append(i).append(",Book number ").append(i).append(',').append(100 - i).append('\n');
    }
    ServerConfig config =
        ServerConfig.builder(dir.resolve("data"))
            .port(0)
            .metricsPort(0)
            .catalogFile(Files.writeString(dir.resolve("books.csv"), csv))
            .build();
    RecsysServer server = RecsysServer.start(config);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).maxAttempts(1).build()) {
      RecommendResponse list = client.recommend("alice", 5);
      assertThatThrownBy(() -> client.recommend("", 5)).isInstanceOf(StatusRuntimeException.class);
      FeedbackSession feedback = client.openFeedbackStream(ack -> {});
      List<FeedbackEvent> events = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        events.add(FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("alice")
            .setItemId(list.getItems(i).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build());
      }
      feedback.sendBatch(events, Duration.ofSeconds(10));
      feedback.finish(Duration.ofSeconds(10));

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> scrape =
          http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.metricsPort() + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> elsewhere =
          http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.metricsPort() + "/")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
      assertThat(elsewhere.statusCode()).isEqualTo(404);
      String text = scrape.body();
      String calls = "grpc_server_processing_duration_seconds_count";
      assertThat(value(text, calls, "method=\"Recommend\"", "status_code=\"OK\"")).isEqualTo(1);
      assertThat(value(text, calls, "method=\"Recommend\"", "status_code=\"INVALID_ARGUMENT\"")).isEqualTo(1);
      assertThat(value(text, "grpc_server_requests_received_messages_total", "method=\"StreamFeedback\"")).isEqualTo(1);
      assertThat(text).containsPattern("grpc_server_processing_duration_seconds_bucket\\{[^}]*method=\"Recommend\"");
      assertThat(value(text, "recsys_feedback_durable_events_total")).isEqualTo(3);
      assertThat(text).contains("# TYPE recsys_feedback_durable_events_total counter");
      assertThat(value(text, "recsys_users_cached")).isEqualTo(1);
      assertThat(value(text, "recsys_catalog_items")).isEqualTo(30);
      assertThat(value(text, "recsys_model_live_version")).isEqualTo(1);
      assertThat(value(text, "recsys_impressions_open")).isGreaterThanOrEqualTo(1);
      assertThat(text).contains("jvm_memory_used_bytes", "jvm_gc_", "process_uptime_seconds");
      promtoolAccepts(text);
    } finally {
      server.stop();
    }
  }

  @Test
  void withoutTheFlagThereIsNoEndpoint() throws Exception {
    ServerConfig config = ServerConfig.builder(dir.resolve("data")).port(0)
        .catalogFile(Files.writeString(dir.resolve("books.csv"), "item_id,title\n1,One\n2,Two\n")).build();
    RecsysServer server = RecsysServer.start(config);
    try {
      assertThat(server.metricsPort()).isEqualTo(-1);
    } finally {
      server.stop();
    }
  }

  /** The first sample of {@code name} whose labels contain every one of {@code labels}. */
  static double value(String text, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
    while (m.find()) {
      String found = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= found.contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no sample of " + name + " with " + List.of(labels) + " in:\n" + text);
  }

  private static void promtoolAccepts(String text) throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    if (!Files.isExecutable(promtool)) {
      return; // CI installs it; a developer machine may not have it
    }
    Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (var in = check.getOutputStream()) {
      in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String report = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(check.waitFor()).as("promtool check metrics:\n%s", report).isZero();
  }
}
