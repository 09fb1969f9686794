package io.recsys.server.feedback.kafka;

import io.recsys.server.feedback.log.LogRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start's read of the topic, before serving. Without a snapshot: every partition from its
 * beginning, every record applied. After one, in two phases: first every partition from one join
 * window before the snapshot up to the snapshot's offset, only re-opening the lists open then (no
 * window closes meanwhile: records of another partition that are past its snapshot wait), then
 * every partition from its snapshot offset to its end, applied.
 */
final class TopicReplay {
  private static final Logger log = LoggerFactory.getLogger(TopicReplay.class);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(KafkaClients.CONNECT_TIMEOUT_SECONDS);

  /** Records read: applied, and re-read only to rebuild the join windows. */
  record Counts(long applied, long rebuilt) {}

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions;
  private final Function<ConsumerRecord<byte[], byte[]>, LogRecord> parse;

  TopicReplay(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Function<ConsumerRecord<byte[], byte[]>, LogRecord> parse) {
    this.consumer = consumer;
    this.partitions = List.copyOf(partitions);
    this.parse = parse;
  }

  /** @param replay each record read, and whether the snapshot already holds its effects */
  Counts run(KafkaFeedbackLog.Resume resume, BiConsumer<LogRecord, Boolean> replay) {
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> snapshotOffsets = new HashMap<>();
    if (!resume.offsets().isEmpty()) {
      seekToRebuildStart(resume, snapshotOffsets);
    }
    long rebuilt = readUpTo(snapshotOffsets, record -> replay.accept(record, true));
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(KafkaClients.CONNECT_TIMEOUT_SECONDS));
    long applied = readUpTo(end, record -> replay.accept(record, false));
    return new Counts(applied, rebuilt);
  }

  /**
   * Seeks each partition the snapshot knows to one join window before it (never past its offset);
   * a partition the topic gained since is read from its beginning. Records the retention deleted
   * before this replica applied them are gone from its state: said loudly.
   */
  private void seekToRebuildStart(KafkaFeedbackLog.Resume resume, Map<TopicPartition, Long> snapshotOffsets) {
    Duration timeout = Duration.ofSeconds(KafkaClients.CONNECT_TIMEOUT_SECONDS);
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(p -> times.put(p, resume.rebuildFromMillis()));
    Map<TopicPartition, OffsetAndTimestamp> byTime = consumer.offsetsForTimes(times, timeout);
    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    for (TopicPartition partition : partitions) {
      if (partition.partition() >= resume.offsets().size()) {
        continue;
      }
      long covered = resume.offsets().get(partition.partition());
      if (end.get(partition) < covered) {
        log.error(
            "Partition {} ends at offset {}, before the snapshot's {}: it was truncated or re-created; reading all of it as new",
            partition, end.get(partition), covered);
        continue;
      }
      if (beginning.get(partition) > covered) {
        log.error(
            "Partition {} now begins at offset {}, after the snapshot's {}: the topic's retention deleted records this replica"
                + " never applied; its state lacks them (keep retention longer than a replica may be down)",
            partition, beginning.get(partition), covered);
        continue;
      }
      OffsetAndTimestamp found = byTime.get(partition);
      consumer.seek(partition, Math.max(beginning.get(partition), found == null ? covered : Math.min(found.offset(), covered)));
      snapshotOffsets.put(partition, covered);
    }
  }

  /**
   * Reads the partitions in {@code targets} until each stands at its target offset; a record at or
   * past its partition's target is not handed on (the partition is seeked back to the target, for
   * the next phase). Other partitions are paused meanwhile.
   */
  private long readUpTo(Map<TopicPartition, Long> targets, java.util.function.Consumer<LogRecord> sink) {
    Set<TopicPartition> open = new HashSet<>();
    for (TopicPartition partition : partitions) {
      if (targets.containsKey(partition) && consumer.position(partition) < targets.get(partition)) {
        open.add(partition);
      }
    }
    consumer.pause(partitions);
    consumer.resume(open);
    long read = 0;
    long lastProgress = System.nanoTime();
    while (!open.isEmpty()) {
      long before = read;
      try {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          if (!open.contains(partition)) {
            continue; // reached its target within this batch: the rest is the next phase's
          }
          if (record.offset() >= targets.get(partition)) {
            consumer.seek(partition, targets.get(partition));
            consumer.pause(List.of(partition));
            open.remove(partition);
            continue;
          }
          LogRecord parsed = parse.apply(record);
          if (parsed != null) {
            sink.accept(parsed);
          }
          read++;
        }
      } catch (OffsetOutOfRangeException e) {
        reseat(consumer, e);
      }
      for (TopicPartition partition : List.copyOf(open)) {
        if (consumer.position(partition) >= targets.get(partition)) {
          consumer.pause(List.of(partition));
          open.remove(partition);
        }
      }
      if (read > before) {
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > STALL_NANOS) {
        throw new IllegalStateException(
            "reading the feedback log back from Kafka made no progress for " + KafkaClients.CONNECT_TIMEOUT_SECONDS
                + " s; partitions left: " + open);
      }
    }
    consumer.resume(partitions);
    return read;
  }

  /**
   * A position Kafka no longer has: behind the partition's beginning (retention deleted records
   * this replica never read: they are lost to its state) or past its end (the partition was
   * truncated). Either way the consumer goes on from the nearest position that exists, loudly.
   */
  static void reseat(KafkaConsumer<byte[], byte[]> consumer, OffsetOutOfRangeException e) {
    Set<TopicPartition> lost = e.partitions();
    Duration timeout = Duration.ofSeconds(KafkaClients.CONNECT_TIMEOUT_SECONDS);
    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(lost, timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(lost, timeout);
    for (TopicPartition partition : lost) {
      long position = e.offsetOutOfRangePartitions().getOrDefault(partition, -1L);
      long next = position < beginning.get(partition) ? beginning.get(partition) : end.get(partition);
      log.error(
          "Feedback log partition {}: offset {} no longer exists (the partition holds {} to {}); going on from {}. Records in"
              + " between are missing from this replica's state",
          partition, position, beginning.get(partition), end.get(partition), next);
      consumer.seek(partition, next);
    }
  }
}
