package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.client.RecsysClient;
import io.recsys.client.ReliableFeedbackStream;
import io.recsys.server.api.VectorCatalogServer;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK's reliable feedback stream through a proxy that severs every connection mid-stream,
 * several times: each event is acknowledged to the caller exactly once, and the server holds each
 * exactly once (its durable count equals the events sent, duplicates from resends included once).
 */
class JavaSdkReconnectTest {
  @TempDir Path dir;

  @Test
  void everyEventIsStoredOnceAcrossSeveredConnections() throws Exception {
    try (VectorCatalogServer server = VectorCatalogServer.start(dir, 1, 500, 16, "item-", c -> c);
        ConnectionCutter cutter = ConnectionCutter.start(server.server.port());
        RecsysClient client = RecsysClient.builder("127.0.0.1:" + cutter.port()).deadline(Duration.ofSeconds(10)).build()) {
      List<FeedbackEvent> events = new ArrayList<>();
      for (int u = 0; u < 300; u++) {
        RecommendResponse list = server.client.recommend("user-" + u, 10);
        for (int i = 0; i < 10; i++) {
          events.add(FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("user-" + u)
              .setItemId(list.getItems(i).getItemId())
              .setType(i % 3 == 0 ? FeedbackType.FEEDBACK_TYPE_CLICK : FeedbackType.FEEDBACK_TYPE_SKIP).build());
        }
      }
      cutter.cutEvery(40_000, 3);

      ConcurrentLinkedQueue<FeedbackAck> callbacks = new ConcurrentLinkedQueue<>();
      List<CompletableFuture<FeedbackAck>> acks = new ArrayList<>();
      ReliableFeedbackStream stream = client.reliableFeedbackStream(callbacks::add, 256);
      for (FeedbackEvent event : events) {
        acks.add(stream.send(event));
      }
      stream.close();

      assertThat(cutter.cuts()).as("the proxy severed the stream").isGreaterThanOrEqualTo(2);
      assertThat(stream.reconnects()).isGreaterThanOrEqualTo(1);
      assertThat(callbacks).hasSize(events.size());
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < events.size(); i++) {
        FeedbackAck ack = acks.get(i).get(0, TimeUnit.SECONDS);
        FeedbackEvent event = events.get(i);
        assertThat(ack.getEventId() + ack.getItemId()).as("ack %d answers event %d", i, i).isEqualTo(event.getEventId() + event.getItemId());
        assertThat(ack.getStatus()).isIn(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED, FeedbackStatus.FEEDBACK_STATUS_DUPLICATE);
        seen.merge(ack.getEventId() + "/" + ack.getItemId(), 1, Integer::sum);
      }
      assertThat(seen).hasSize(events.size()).allSatisfy((key, count) -> assertThat(count).isEqualTo(1));
      assertThat(server.client.status().getFeedbackEventsDurable()).isEqualTo(events.size());
    }
  }

  @Test
  void anUnreachableServerMakesFlushTimeOutInsteadOfHanging() throws Exception {
    try (VectorCatalogServer server = VectorCatalogServer.start(dir, 1, 50, 8, "item-", c -> c)) {
      RecommendResponse list = server.client.recommend("u", 3);
      int nothingListens;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
        nothingListens = free.getLocalPort();
      }
      try (RecsysClient client = RecsysClient.builder("127.0.0.1:" + nothingListens).build()) {
        ReliableFeedbackStream stream = client.reliableFeedbackStream(ack -> {}, 8);
        CompletableFuture<FeedbackAck> ack =
            stream.send(FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("u")
                .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build());
        long start = System.nanoTime();
        assertThatThrownBy(() -> stream.flush(Duration.ofSeconds(2))).isInstanceOf(TimeoutException.class)
            .hasMessageContaining("1 feedback events still unacknowledged");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(ack).isNotDone();
        assertThat(stream.unacknowledged()).isEqualTo(1);
      }
    }
  }

  @Test
  void aRefusedTokenEndsTheStreamInsteadOfRetryingForever() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "the-right-token-0123456789\n");
    try (VectorCatalogServer server = VectorCatalogServer.start(dir, 1, 50, 8, "item-", c -> c.toBuilder().tokenFile(tokens).build());
        RecsysClient client = RecsysClient.builder("127.0.0.1:" + server.server.port()).token("a-wrong-token-0123456789").build()) {
      RecommendResponse list = server.client.recommend("u", 3);
      ReliableFeedbackStream stream = client.reliableFeedbackStream(ack -> {}, 8);
      FeedbackEvent click = FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("u")
          .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
      CompletableFuture<FeedbackAck> ack;
      try {
        ack = stream.send(click);
      } catch (IllegalStateException refusedFirst) {
        // The stream opens at once; the server's refusal may end it before the first send.
        assertThat(refusedFirst).hasRootCauseMessage("UNAUTHENTICATED: the bearer token is not valid");
        ack = null;
      }
      assertThatThrownBy(() -> stream.flush(Duration.ofSeconds(10))).isInstanceOf(IllegalStateException.class)
          .hasRootCauseMessage("UNAUTHENTICATED: the bearer token is not valid");
      if (ack != null) {
        assertThat(ack).isCompletedExceptionally();
      }
      assertThat(stream.reconnects()).isZero();

      Path tokenFile = Files.writeString(dir.resolve("client-token"), "the-right-token-0123456789\n");
      try (RecsysClient allowed = RecsysClient.builder("127.0.0.1:" + server.server.port()).tokenFile(tokenFile).build()) {
        assertThat(allowed.status().getFeedbackEventsDurable()).isZero();
      }
    }
  }
}
