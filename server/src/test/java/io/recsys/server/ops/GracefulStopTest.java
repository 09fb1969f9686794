package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a client keeps a feedback stream open: the stream answers what it read and ends
 * UNAVAILABLE (so the client reconnects and resends the rest) instead of holding the stop until
 * the drain timeout; the stop snapshots everything, and the restart knows every acknowledged event.
 */
class GracefulStopTest {
  @TempDir Path dir;

  @Test
  void aStopEndsOpenFeedbackStreamsAtOnceAndKeepsEveryAcknowledgedEvent() throws Exception {
    Path catalog = dir.resolve("items.csv");
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    IntStream.range(0, 20).forEach(i -> csv.append("i").append(i).append(",Book number ").append(i).append(',').append(i).append('\n'));
    Files.writeString(catalog, csv);
    String[] args = {"--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString(), "--drain-timeout", "60"};
    List<FeedbackEvent> events;
    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        RecommendResponse list = client.recommend("stopping-user", 5);
        events = list.getItemsList().stream()
            .map(item -> FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("stopping-user")
                .setItemId(item.getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build())
            .toList();
        List<FeedbackAck> acks = new CopyOnWriteArrayList<>();
        FeedbackSession session = client.openFeedbackStream(acks::add);
        for (FeedbackEvent event : events) {
          session.send(event);
        }
        for (int i = 0; i < 500 && acks.size() < events.size(); i++) {
          Thread.sleep(10);
        }
        assertThat(acks).hasSize(events.size()).allMatch(ack -> ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);

        long start = System.nanoTime();
        assertThat(server.terminate()).isZero();
        Duration stop = Duration.ofNanos(System.nanoTime() - start);

        assertThat(stop).as("not the 60 s drain timeout").isLessThan(Duration.ofSeconds(20));
        assertThatThrownBy(() -> session.finish(Duration.ofSeconds(5)))
            .hasRootCauseInstanceOf(io.grpc.StatusRuntimeException.class)
            .rootCause()
            .satisfies(cause -> assertThat(Status.fromThrowable(cause).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
            .hasMessageContaining("shutting down");
        assertThat(server.log()).anyMatch(line -> line.contains("Snapshot at log record"));
      }
    }
    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        assertThat(server.log()).anyMatch(line -> line.contains("snapshot at record"));
        for (FeedbackEvent event : events) {
          assertThat(client.reportFeedback(event).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_DUPLICATE);
        }
        assertThat(client.status().getFeedbackEventsDurable()).isEqualTo(events.size());
      }
      server.terminate();
    }
  }
}
