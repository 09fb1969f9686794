package io.recsys.loadtest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving replicas (real {@code serve} processes) sharing the feedback log on a real single-node
 * Kafka broker: what one is told, the others apply; what one acknowledged survives its kill -9.
 */
class KafkaReplicasTest {
  private static SingleNodeKafka kafka;
  @TempDir static Path dir;
  private static Path catalog;

  @BeforeAll
  static void start() throws Exception {
    kafka = SingleNodeKafka.start();
    StringBuilder csv = new StringBuilder("item_id,title\n");
    IntStream.range(0, 60).forEach(i -> csv.append("i").append(i).append(",Book number ").append(i).append(" about topic ").append(i % 7).append('\n'));
    catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
  }

  @AfterAll
  static void stop() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static ChildServer replica(String name, String topic, String bootstrap, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port", "0", "--device", "cpu", "--data-dir", dir.resolve(name).toString(), "--catalog", catalog.toString(), "--exploration", "greedy",
                "--reranker", "off", "--feedback-log", "kafka", "--kafka-bootstrap-servers", bootstrap, "--kafka-topic", topic,
                "--kafka-partitions", "4"));
    args.addAll(List.of(more));
    ChildServer server = ChildServer.start("512m", args);
    server.awaitServing(120);
    return server;
  }

  private static RecommendResponse recommend(RecsysClient client, String user) {
    return client.recommend(user, 8);
  }

  private static List<String> ids(RecommendResponse response) {
    return response.getItemsList().stream().map(RecommendedItem::getItemId).toList();
  }

  private static FeedbackStatus report(RecsysClient client, String event, String user, String item, FeedbackType type) {
    return client
        .reportFeedback(FeedbackEvent.newBuilder().setEventId(event).setUserId(user).setItemId(item).setType(type).build())
        .getStatus();
  }

  private static long durableEvents(RecsysClient client) {
    return client.status().getFeedbackEventsDurable();
  }

  @Test
  void aDislikeSentToOneReplicaTakesTheItemOutOfTheOthersNextList() throws Exception {
    // Without the fast learner a list follows the user's content state alone (a shown list moves no
    // item), so both replicas serve the same list until a reaction moves the state.
    try (ChildServer a = replica("dislike-a", "dislike", kafka.bootstrapServers(), "--collaborative", "off");
        ChildServer b = replica("dislike-b", "dislike", kafka.bootstrapServers(), "--collaborative", "off")) {
      RecsysClient toA = a.client();
      RecsysClient toB = b.client();
      try {
        RecommendResponse shownByA = recommend(toA, "reader");
        List<String> beforeOnB = ids(recommend(toB, "reader"));
        String item = ids(shownByA).stream().filter(beforeOnB::contains).findFirst().orElseThrow();
        // The control: B has read A's list by now (it joins its reactions), and still serves the item.
        Thread.sleep(500);
        assertThat(ids(recommend(toB, "reader"))).contains(item);

        assertThat(report(toA, shownByA.getEventId(), "reader", item, FeedbackType.FEEDBACK_TYPE_DISLIKE))
            .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
        long start = System.nanoTime();
        List<String> afterOnB = ids(recommend(toB, "reader"));
        while (afterOnB.contains(item) && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
          Thread.sleep(5);
          afterOnB = ids(recommend(toB, "reader"));
        }
        assertThat(afterOnB).doesNotContain(item);
        assertThat(durableEvents(toB)).isEqualTo(1);
        assertThat(durableEvents(toA)).isEqualTo(1);

        // A topic cannot be rewritten from here: forgetting and exporting say so and change nothing.
        for (Runnable call : List.<Runnable>of(() -> toA.forgetUser("reader"), () -> toA.exportUser("reader"))) {
          assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("Kafka");
          });
        }
        assertThat(ids(recommend(toA, "reader"))).as("the dislike still holds").doesNotContain(item);
        String other = ids(shownByA).stream().filter(i -> !i.equals(item)).findFirst().orElseThrow();
        assertThat(report(toA, shownByA.getEventId(), "reader", other, FeedbackType.FEEDBACK_TYPE_CLICK))
            .as("the refused erasure left the user's open list open").isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
      } finally {
        toA.close();
        toB.close();
      }
    }
  }

  @Test
  void aReactionToOneReplicasListSentToAnotherJoinsThere() throws Exception {
    try (ChildServer a = replica("join-a", "join", kafka.bootstrapServers());
        ChildServer b = replica("join-b", "join", kafka.bootstrapServers())) {
      RecsysClient toA = a.client();
      RecsysClient toB = b.client();
      try {
        RecommendResponse shownByA = recommend(toA, "wanderer");
        String item = shownByA.getItems(0).getItemId();
        FeedbackStatus status = FeedbackStatus.FEEDBACK_STATUS_REJECTED;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (status == FeedbackStatus.FEEDBACK_STATUS_REJECTED && System.nanoTime() < deadline) {
          status = report(toB, shownByA.getEventId(), "wanderer", item, FeedbackType.FEEDBACK_TYPE_CLICK); // B knows the list once it read it
        }
        assertThat(status).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
        // Sent again to A, which read B's record: the same reaction is a repeat there.
        FeedbackStatus again = report(toA, shownByA.getEventId(), "wanderer", item, FeedbackType.FEEDBACK_TYPE_CLICK);
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            again != FeedbackStatus.FEEDBACK_STATUS_DUPLICATE && System.nanoTime() < until; ) {
          Thread.sleep(20);
          again = report(toA, shownByA.getEventId(), "wanderer", item, FeedbackType.FEEDBACK_TYPE_CLICK);
        }
        assertThat(again).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_DUPLICATE);
      } finally {
        toA.close();
        toB.close();
      }
    }
  }

  @Test
  void everyAcknowledgedReactionIsInTheTopicExactlyOnceAfterAReplicaIsKilled() throws Exception {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (ChildServer a = replica("kill-a", "kill", kafka.bootstrapServers())) {
      RecsysClient toA = a.client();
      try {
        for (int c = 0; c < 4; c++) {
          int caller = c;
          callers.submit(() -> {
            for (int n = 0; !stop.get(); n++) {
              String user = "u" + caller + "-" + n;
              try {
                RecommendResponse list = recommend(toA, user);
                for (RecommendedItem item : list.getItemsList().subList(0, 3)) {
                  if (report(toA, list.getEventId(), user, item.getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK)
                      == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
                    acknowledged.add(list.getEventId() + "/" + item.getItemId());
                  }
                }
              } catch (StatusRuntimeException gone) {
                return; // the server was killed
              }
            }
          });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < 300 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        a.kill(); // kill -9 with calls in flight
        stop.set(true);
      } finally {
        callers.shutdown();
        callers.awaitTermination(30, TimeUnit.SECONDS);
        toA.close();
      }
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
    Map<String, Integer> copies = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : TopicRecords.readAll(kafka.bootstrapServers(), "kill", acknowledged.size())) {
      LogRecord parsed = LogRecord.parseFrom(record.value());
      if (parsed.hasFeedback()) {
        copies.merge(parsed.getFeedback().getEventId() + "/" + parsed.getFeedback().getItemId(), 1, Integer::sum);
      }
    }
    Set<String> missing = acknowledged.stream().filter(key -> !copies.containsKey(key)).collect(Collectors.toSet());
    assertThat(missing).isEmpty();
    assertThat(copies.values().stream().filter(n -> n > 1).count()).isZero();
  }

  @Test
  void aKilledReplicaRestartsFromItsSnapshotPlusTheTopicsTail() throws Exception {
    List<String> snapshotOften = List.of("--snapshot-every-records", "100", "--snapshot-interval-seconds", "1");
    Set<String> acknowledged = new java.util.HashSet<>();
    RecommendResponse openList;
    String[] args = snapshotOften.toArray(String[]::new);
    try (ChildServer a = replica("resume-a", "resume", kafka.bootstrapServers(), args)) {
      RecsysClient toA = a.client();
      try {
        for (int n = 0; n < 60; n++) {
          RecommendResponse list = recommend(toA, "r" + n);
          for (RecommendedItem item : list.getItemsList().subList(0, 3)) {
            assertThat(report(toA, list.getEventId(), "r" + n, item.getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
                .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
            acknowledged.add(list.getEventId() + "/" + item.getItemId());
          }
        }
        // 60 lists and 180 reactions: 240 records; wait for the snapshot that holds them all.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (snapshotPosition(a) < 240 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(snapshotPosition(a)).isGreaterThanOrEqualTo(240);
        openList = recommend(toA, "after-the-snapshot"); // open when the replica dies: its window must be rebuilt
        assertThat(report(toA, openList.getEventId(), "after-the-snapshot", openList.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
            .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
        acknowledged.add(openList.getEventId() + "/" + openList.getItems(0).getItemId());
      } finally {
        toA.close();
      }
      a.kill();
    }
    try (ChildServer again = replica("resume-a", "resume", kafka.bootstrapServers(), args)) {
      RecsysClient toA = again.client();
      try {
        assertThat(again.lineContaining("resuming topic resume after offsets")).isNotNull();
        Matcher replayed = Pattern.compile("(\\d+) records applied, (\\d+) re-read only").matcher(again.lineContaining("records applied"));
        assertThat(replayed.find()).isTrue();
        assertThat(Long.parseLong(replayed.group(1))).as("applied again: the tail after the snapshot only").isBetween(2L, 4L);
        assertThat(Long.parseLong(replayed.group(2))).as("the join windows' records, read to re-open the lists").isGreaterThanOrEqualTo(240);
        assertThat(durableEvents(toA)).isEqualTo(acknowledged.size());
        String item = openList.getItems(0).getItemId();
        assertThat(report(toA, openList.getEventId(), "after-the-snapshot", item, FeedbackType.FEEDBACK_TYPE_CLICK))
            .as("the list open at the kill is open again, its reaction claimed").isEqualTo(FeedbackStatus.FEEDBACK_STATUS_DUPLICATE);
        assertThat(report(toA, openList.getEventId(), "after-the-snapshot", openList.getItems(1).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
            .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
        acknowledged.add(openList.getEventId() + "/" + openList.getItems(1).getItemId());
        // This run's snapshots go on from the restored position, so the next start finds the newest.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (snapshotPosition(again) <= 241 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(snapshotPosition(again)).isGreaterThan(241);
      } finally {
        toA.close();
      }
      again.kill();
    }
    try (ChildServer third = replica("resume-a", "resume", kafka.bootstrapServers(), args)) {
      RecsysClient toA = third.client();
      try {
        Matcher replayed = Pattern.compile("(\\d+) records applied").matcher(third.lineContaining("records applied"));
        assertThat(replayed.find()).isTrue();
        assertThat(Long.parseLong(replayed.group(1))).as("a second restart also applies only what came after its snapshot").isLessThanOrEqualTo(2L);
        assertThat(durableEvents(toA)).isEqualTo(acknowledged.size());
      } finally {
        toA.close();
      }
    }
  }

  /** The log record the replica's newest snapshot holds everything before; -1 before the first. */
  private static long snapshotPosition(ChildServer server) {
    String line = server.lastLineContaining("Snapshot at log record");
    if (line == null) {
      return -1;
    }
    Matcher position = Pattern.compile("Snapshot at log record (\\d+)").matcher(line);
    return position.find() ? Long.parseLong(position.group(1)) : -1;
  }

  @Test
  void withKafkaGoneFeedbackIsUnavailableAndRecommendGoesOn() throws Exception {
    SingleNodeKafka doomed = SingleNodeKafka.start();
    try (ChildServer a = replica("gone-a", "gone", doomed.bootstrapServers(), "--kafka-delivery-timeout-ms", "2000")) {
      RecsysClient toA = a.client();
      try {
        RecommendResponse list = recommend(toA, "patient");
        assertThat(report(toA, list.getEventId(), "patient", list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
            .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
        doomed.close();
        RecommendResponse later = recommend(toA, "patient");
        assertThat(later.getItemsCount()).isEqualTo(8);
        assertThatThrownBy(() -> report(toA, later.getEventId(), "patient", later.getItems(1).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(recommend(toA, "someone else").getItemsCount()).isEqualTo(8);
      } finally {
        toA.close();
      }
    } finally {
      doomed.close();
    }
  }
}
