package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while a client streams feedback, several times over one data dir, with snapshots taken
 * between: every event that was acknowledged before a crash is there after it, exactly once.
 */
class CrashRecoveryTest {
  private static final int CYCLES = 4;
  private static final int USERS = 30;
  private static final int K = 10;
  private static final FeedbackType[] TYPES = {
    FeedbackType.FEEDBACK_TYPE_CLICK, FeedbackType.FEEDBACK_TYPE_LIKE, FeedbackType.FEEDBACK_TYPE_SKIP,
    FeedbackType.FEEDBACK_TYPE_DWELL, FeedbackType.FEEDBACK_TYPE_PURCHASE
  };

  @TempDir Path dir;

  @Test
  void everyAcknowledgedEventSurvivesKillNineExactlyOnce() throws Exception {
    Path catalog = dir.resolve("items.csv");
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    IntStream.range(0, 40).forEach(i -> csv.append("i").append(i).append(",Book number ").append(i).append(',').append(i).append('\n'));
    Files.writeString(catalog, csv);
    // Snapshots every 50 records: the restarts after the first come from a snapshot and the log after it.
    String[] args = {
      "--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString(), "--snapshot-every-records", "50"
    };
    Random random = new Random(42);
    List<FeedbackEvent> acknowledged = new ArrayList<>();
    ExecutorService sender = Executors.newSingleThreadExecutor();

    for (int cycle = 0; cycle < CYCLES; cycle++) {
      try (ServerProcess server = ServerProcess.start(args)) {
        int port = server.awaitServing();
        try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
          assertRecovered(client, acknowledged);
          if (cycle > 0) {
            // The records replayed after the last snapshot are due one within a second: the
            // crashes from here on come after it, so later restarts start from a snapshot.
            awaitSnapshot(dir.resolve("data").resolve("snapshots"));
          }

          List<FeedbackEvent> events = freshEvents(client, cycle, random);
          Set<FeedbackEvent> acked = ConcurrentHashMap.newKeySet();
          FeedbackSession session = client.openFeedbackStream(ack -> {
            if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
              acked.add(keyOf(ack, events));
            }
          });
          Future<?> sending = sender.submit(() -> sendSlowly(session, events));
          awaitFirstAcks(acked);
          Thread.sleep(random.nextInt(200)); // somewhere in the middle of the stream

          server.kill();

          sending.cancel(true);
          session.close();
          assertThat(acked).as("cycle %d: acknowledged before the crash", cycle).hasSizeGreaterThanOrEqualTo(20);
          assertThat(acked).as("cycle %d: the crash came mid-stream", cycle).hasSizeLessThan(events.size());
          acknowledged.addAll(acked);
        }
      }
    }
    try (var snapshots = Files.list(dir.resolve("data").resolve("snapshots"))) {
      assertThat(snapshots.filter(f -> f.toString().endsWith(".snap")).count()).as("the crashes came after snapshots").isPositive();
    }
    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        assertRecovered(client, acknowledged);
      }
      server.terminate();
    }
    sender.shutdownNow();
  }

  private static void awaitSnapshot(Path snapshots) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Files.isDirectory(snapshots)) {
        try (var files = Files.list(snapshots)) {
          if (files.anyMatch(f -> f.toString().endsWith(".snap"))) {
            return;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no snapshot within 10 s of a restart that replayed records");
  }

  /** Every acknowledged event is durable, and sending it again neither fails nor counts twice. */
  private static void assertRecovered(RecsysClient client, List<FeedbackEvent> acknowledged) throws Exception {
    long durable = client.status().getFeedbackEventsDurable();
    assertThat(durable).isGreaterThanOrEqualTo(acknowledged.size());
    List<FeedbackAck> acks = new CopyOnWriteArrayList<>();
    FeedbackSession session = client.openFeedbackStream(acks::add);
    for (FeedbackEvent event : acknowledged) {
      session.send(event);
    }
    session.finish(Duration.ofSeconds(30));
    assertThat(acks).hasSize(acknowledged.size());
    assertThat(acks).allSatisfy(ack -> assertThat(ack.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_DUPLICATE));
    assertThat(client.status().getFeedbackEventsDurable()).isEqualTo(durable);
  }

  /** Every (item, type) of new lists for every user, shuffled: no event repeats another. */
  private static List<FeedbackEvent> freshEvents(RecsysClient client, int cycle, Random random) {
    List<FeedbackEvent> events = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      String user = "crash-user-" + u;
      RecommendResponse list = client.recommend(user, K);
      for (RecommendedItem item : list.getItemsList()) {
        for (FeedbackType type : TYPES) {
          events.add(
              FeedbackEvent.newBuilder()
                  .setEventId(list.getEventId())
                  .setUserId(user)
                  .setItemId(item.getItemId())
                  .setType(type)
                  .setDwellSeconds(type == FeedbackType.FEEDBACK_TYPE_DWELL ? 10 : 0)
                  .build());
        }
      }
    }
    Collections.shuffle(events, random);
    return events;
  }

  private static void sendSlowly(FeedbackSession session, List<FeedbackEvent> events) {
    try {
      for (int i = 0; i < events.size(); i++) {
        session.send(events.get(i), Duration.ofSeconds(5));
        if (i % 5 == 4) {
          Thread.sleep(1);
        }
      }
    } catch (InterruptedException | IllegalStateException e) {
      // The server died under us: expected.
    }
  }

  private static void awaitFirstAcks(Set<FeedbackEvent> acked) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (acked.size() < 20 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static FeedbackEvent keyOf(FeedbackAck ack, List<FeedbackEvent> events) {
    for (FeedbackEvent event : events) {
      if (event.getEventId().equals(ack.getEventId())
          && event.getItemId().equals(ack.getItemId())
          && event.getType() == ack.getType()) {
        return event;
      }
    }
    throw new AssertionError("ack for an event never sent: " + ack);
  }
}
