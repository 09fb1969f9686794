package io.recsys.loadtest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.server.feedback.kafka.KafkaFeedbackLog;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The feedback log on a real single-node Kafka broker (KRaft, in a child JVM; no Docker). */
class KafkaFeedbackLogTest {
  private static SingleNodeKafka kafka;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = SingleNodeKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static KafkaLogSettings settings(String topic) {
    return KafkaLogSettings.of(kafka.bootstrapServers()).withTopic(topic).withPartitions(3);
  }

  static LogRecord click(String user, int n) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(1_000_000L + n)
        .setFeedback(FeedbackRecord.newBuilder().setEventId("e-" + user + "-" + n).setUserId(user).setItemId("i" + n).setType(1))
        .build();
  }

  @Test
  void anAcknowledgedAppendIsInTheTopicOnceUnderItsUsersKeyAndInOrder() throws Exception {
    try (KafkaFeedbackLog log = KafkaFeedbackLog.open(settings("acks"), record -> {})) {
      log.startTailing(record -> {});
      List<CompletableFuture<Void>> appends = new ArrayList<>();
      for (int n = 0; n < 60; n++) {
        appends.add(log.append(click("u" + n % 4, n)));
      }
      CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(log.ownRecordsRead()).isEqualTo(60);
      assertThat(log.recordCount()).isEqualTo(60);
    }
    List<ConsumerRecord<byte[], byte[]>> topic = TopicRecords.readAll(kafka.bootstrapServers(), "acks", 60);
    assertThat(topic).hasSize(60);
    Map<String, Integer> partitionOfUser = new HashMap<>();
    Map<String, Integer> lastOfUser = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : topic) {
      LogRecord parsed = LogRecord.parseFrom(record.value());
      String user = parsed.getFeedback().getUserId();
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(user);
      assertThat(partitionOfUser.computeIfAbsent(user, u -> record.partition())).isEqualTo(record.partition());
      int n = Integer.parseInt(parsed.getFeedback().getItemId().substring(1));
      assertThat(n).isGreaterThan(lastOfUser.getOrDefault(user, -1)); // each user's records in append order
      lastOfUser.put(user, n);
    }
    assertThat(lastOfUser).hasSize(4);
  }

  @Test
  void anotherReplicasRecordsReachItInOrderAndItsOwnDoNot() throws Exception {
    List<LogRecord> seenByA = new CopyOnWriteArrayList<>();
    List<LogRecord> seenByB = new CopyOnWriteArrayList<>();
    try (KafkaFeedbackLog a = KafkaFeedbackLog.open(settings("shared"), record -> {});
        KafkaFeedbackLog b = KafkaFeedbackLog.open(settings("shared"), record -> {})) {
      a.startTailing(seenByA::add);
      b.startTailing(seenByB::add);
      for (int n = 0; n < 40; n++) {
        a.append(click("alice", n)).get(30, TimeUnit.SECONDS);
      }
      b.append(click("bob", 0)).get(30, TimeUnit.SECONDS);
      awaitSize(seenByB, 40);
      awaitSize(seenByA, 1);
      assertThat(seenByB).extracting(r -> r.getFeedback().getItemId())
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 40).mapToObj(n -> "i" + n).toList());
      assertThat(seenByA).extracting(r -> r.getFeedback().getUserId()).containsExactly("bob");
      assertThat(b.othersRecordsRead()).isEqualTo(40);
      assertThat(b.ownRecordsRead()).isEqualTo(1);
    }
  }

  @Test
  void aRecordThatCannotBeAppliedIsSkippedAndTheRestOfItsBatchStillArrives() throws Exception {
    List<LogRecord> seen = new CopyOnWriteArrayList<>();
    try (KafkaFeedbackLog writer = KafkaFeedbackLog.open(settings("poison"), record -> {});
        KafkaFeedbackLog reader = KafkaFeedbackLog.open(settings("poison"), record -> {})) {
      writer.startTailing(record -> {});
      reader.startTailing(record -> {
        if (record.getFeedback().getItemId().equals("i3")) {
          throw new IllegalStateException("cannot apply this one");
        }
        seen.add(record);
      });
      List<CompletableFuture<Void>> appends = new ArrayList<>();
      for (int n = 0; n < 10; n++) {
        appends.add(writer.append(click("erin", n))); // one user: one partition, likely one batch
      }
      CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      awaitSize(seen, 9);
      assertThat(seen).extracting(r -> r.getFeedback().getItemId()).containsExactly("i0", "i1", "i2", "i4", "i5", "i6", "i7", "i8", "i9");
      assertThat(reader.skippedRecords()).isEqualTo(1);
    }
  }

  @Test
  void aRestartedReplicaReplaysTheWholeTopicAsOthersRecords() throws Exception {
    try (KafkaFeedbackLog first = KafkaFeedbackLog.open(settings("restart"), record -> {})) {
      first.startTailing(record -> {});
      for (int n = 0; n < 25; n++) {
        first.append(click("carol", n)).get(30, TimeUnit.SECONDS);
      }
    }
    List<LogRecord> replayed = new ArrayList<>();
    try (KafkaFeedbackLog second = KafkaFeedbackLog.open(settings("restart"), replayed::add)) {
      assertThat(replayed).hasSize(25);
      assertThat(replayed.get(24).getFeedback().getItemId()).isEqualTo("i24");
      assertThat(second.recordCount()).isEqualTo(25);
    }
  }

  @Test
  void withTheBrokerGoneAnAppendFailsUnavailableWithinTheDeliveryTimeout() throws Exception {
    SingleNodeKafka doomed = SingleNodeKafka.start();
    KafkaLogSettings settings =
        KafkaLogSettings.of(doomed.bootstrapServers()).withTopic("gone").withPartitions(1).withDeliveryTimeout(Duration.ofSeconds(2));
    try (KafkaFeedbackLog log = KafkaFeedbackLog.open(settings, record -> {})) {
      log.startTailing(record -> {});
      log.append(click("dave", 0)).get(30, TimeUnit.SECONDS);
      doomed.close();
      long start = System.nanoTime();
      CompletableFuture<Void> append = log.append(click("dave", 1));
      assertThatThrownBy(() -> append.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LogUnavailableException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(log.produceFailures()).isEqualTo(1);
    } finally {
      doomed.close();
    }
  }

  private static void awaitSize(List<?> list, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
