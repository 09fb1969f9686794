package io.recsys.server.feedback.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.recsys.server.feedback.FeedbackLog;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.LogRetention;
import io.recsys.server.feedback.SnapshotLog;
import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.storage.SnapshotPart;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.BiConsumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback log on a Kafka topic that several serving replicas share, partitioned by user id.
 *
 * <p>Every replica reads every partition back (the tailer) and applies every record in partition
 * order, its own included: so all replicas hold the same users, open lists and examples, and a
 * reaction sent to one moves the next list on another once that one has read it. A replica's own
 * append completes when the tailer reads the record back, not when the producer hears Kafka's
 * acknowledgement: by then the record is durable in Kafka ({@code acks=all}) and this replica's
 * effects of it run next, in the order every other replica sees. Each record carries a header
 * naming the process and the append, which is how the tailer tells its own records from others'.
 *
 * <p>Appends never block a serving thread for long: bytes sent but not acknowledged are bounded
 * ({@link KafkaLogSettings#maxPendingBytes}); past the bound, or when Kafka does not acknowledge
 * within the delivery timeout, the append fails with {@link LogUnavailableException} (the
 * reaction gets UNAVAILABLE; a served list just goes unlogged). An append whose produce failed
 * may still have reached Kafka (a timeout is ambiguous): the tailer then applies it like any
 * other replica's record, and a client that retries gets DUPLICATE for it.
 */
public final class KafkaFeedbackLog implements FeedbackLog, SnapshotLog {
  private static final Logger log = LoggerFactory.getLogger(KafkaFeedbackLog.class);
  static final String ORIGIN_HEADER = "recsys-origin";
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long CLOSE_WAIT_MILLIS = 10_000;

  private final KafkaLogSettings settings;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final int partitions;
  /** This process's mark on its records; a restarted replica is a new origin, and reads its old records as others'. */
  private final long origin = new SecureRandom().nextLong();
  private final AtomicLong nextAppend = new AtomicLong();
  private final ReadBacks readBacks;
  private final LongAdder produceFailures = new LongAdder();
  private final LongAdder refusedOverBound = new LongAdder();
  private final LongAdder ownRecords = new LongAdder();
  private final LongAdder othersRecords = new LongAdder();
  private final LongAdder unreadableRecords = new LongAdder();
  private final AtomicLong appliedRecords = new AtomicLong();
  private final LongAdder readBacksTimedOut = new LongAdder();
  private final LongAdder tailerFailures = new LongAdder();
  private final LongAdder skippedRecords = new LongAdder();
  private final ScheduledExecutorService expiry =
      Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "feedback-log-read-back-timeouts");
        thread.setDaemon(true);
        return thread;
      });
  private volatile boolean closing;
  private volatile boolean stopTailing;
  private volatile Thread tailer;
  private volatile List<Long> finalPositions;

  private KafkaFeedbackLog(KafkaLogSettings settings, KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer, int partitions) {
    this.settings = settings;
    this.producer = producer;
    this.consumer = consumer;
    this.partitions = partitions;
    // Kafka answers or fails an append within the delivery timeout; reading it back takes a poll more.
    this.readBacks = new ReadBacks(settings.maxPendingBytes(), settings.deliveryTimeout().plusSeconds(10));
  }

  /**
   * Opens the topic (created if missing), hands every record in it to {@code replay}, partition by
   * partition in order, on the calling thread, and readies the producer. Call {@link #startTailing}
   * once the feedback loop is attached.
   */
  public static KafkaFeedbackLog open(KafkaLogSettings settings, Consumer<LogRecord> replay) {
    return open(settings, Resume.FROM_THE_BEGINNING, (record, inSnapshot) -> replay.accept(record));
  }

  /**
   * Where a start resumes: the next offset of every partition that a snapshot holds the effects
   * of, and the time from which the lists open at the snapshot were served; records from that time
   * up to those offsets are replayed only to rebuild the join windows.
   *
   * @param offsets by partition; a partition past its end (the topic grew) is read from its beginning
   * @param rebuildFromMillis record timestamp (Kafka's, the producer's clock) to re-read from
   * @param position the snapshot's log position: records applied before it, which the count goes on from
   */
  public record Resume(List<Long> offsets, long rebuildFromMillis, long position) {
    public static final Resume FROM_THE_BEGINNING = new Resume(List.of(), 0, 0);

    public Resume {
      offsets = List.copyOf(offsets);
    }
  }

  /**
   * As {@link #open(KafkaLogSettings, Consumer)}, resuming after a snapshot: {@code replay} gets
   * every record read, and whether the snapshot already holds its effects.
   */
  public static KafkaFeedbackLog open(KafkaLogSettings settings, Resume resume, BiConsumer<LogRecord, Boolean> replay) {
    String clientId = "recsys-" + Long.toHexString(System.nanoTime());
    int partitions = KafkaClients.ensureTopic(settings, clientId + "-admin");
    KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(settings, clientId + "-tailer");
    KafkaProducer<byte[], byte[]> producer;
    try {
      List<TopicPartition> assigned = new ArrayList<>(partitions);
      for (int p = 0; p < partitions; p++) {
        assigned.add(new TopicPartition(settings.topic(), p));
      }
      consumer.assign(assigned);
      producer = KafkaClients.producer(settings, clientId + "-producer");
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    KafkaFeedbackLog feedbackLog = new KafkaFeedbackLog(settings, producer, consumer, partitions);
    try {
      List<PartitionInfo> known = producer.partitionsFor(settings.topic()); // metadata now: send() need not wait for it
      long start = System.nanoTime();
      TopicReplay.Counts read =
          new TopicReplay(consumer, new ArrayList<>(consumer.assignment()), feedbackLog::parse).run(resume, replay);
      // Positions go on from the snapshot's, so snapshots keep their order across restarts.
      feedbackLog.appliedRecords.set(resume.position() + read.applied());
      log.info(
          "Feedback log on Kafka topic {} ({} partitions, {} known to the producer) at {}: {} records applied, {} re-read only to"
              + " rebuild the join windows open at the snapshot, in {} ms",
          settings.topic(), partitions, known.size(), settings.bootstrapServers(), read.applied(), read.rebuilt(),
          (System.nanoTime() - start) / 1_000_000);
      return feedbackLog;
    } catch (RuntimeException e) {
      feedbackLog.closeClients();
      throw e;
    }
  }

  /**
   * Starts reading what is appended from now on, by any replica: records of this process complete
   * their appends; every other one goes to {@code othersRecords}, on the tailer's thread, in
   * partition order.
   */
  public synchronized void startTailing(Consumer<LogRecord> othersRecords) {
    if (tailer != null) {
      throw new IllegalStateException("already tailing");
    }
    tailer = new Thread(() -> tail(othersRecords), "feedback-log-tailer");
    tailer.setDaemon(true);
    tailer.start();
    // Off the tailer: whatever becomes of it, no append waits past its timeout.
    expiry.scheduleWithFixedDelay(() -> readBacksTimedOut.add(readBacks.expire()), 1, 1, TimeUnit.SECONDS);
  }

  private void tail(Consumer<LogRecord> others) {
    long failures = 0;
    while (!stopTailing) {
      try {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          deliverOrSkip(record, others);
        }
        answerPositionRequests();
        failures = 0;
      } catch (WakeupException e) {
        return; // closing
      } catch (OffsetOutOfRangeException e) {
        try {
          TopicReplay.reseat(consumer, e);
        } catch (RuntimeException again) {
          tailerFailures.increment();
          log.error("Could not reseat the feedback log's consumer; retrying in a second", again);
          sleepQuietly(1_000);
        }
      } catch (RuntimeException e) {
        // The consumer retries a lost broker by itself; this is anything else (authorisation, a
        // bug): the tailer must not die, or every append would wait for a read-back that never comes.
        tailerFailures.increment();
        if (failures++ % 60 == 0) {
          log.error("Reading the feedback log from Kafka failed; retrying every second", e);
        }
        sleepQuietly(1_000);
      }
    }
  }

  /**
   * One record that cannot be applied (a bug, a record no replica can apply) is skipped with a log
   * line, not the rest of its batch: the consumer's position is already past the whole batch.
   */
  private void deliverOrSkip(ConsumerRecord<byte[], byte[]> record, Consumer<LogRecord> others) {
    try {
      deliver(record, others);
    } catch (RuntimeException e) {
      skippedRecords.increment();
      if (skippedRecords.sum() % 1_000 == 1) {
        log.error("Skipped feedback log record {}-{}@{}: applying it failed", record.topic(), record.partition(), record.offset(), e);
      }
    }
  }

  private void deliver(ConsumerRecord<byte[], byte[]> record, Consumer<LogRecord> others) {
    Header header = record.headers().lastHeader(ORIGIN_HEADER);
    if (header != null && header.value() != null && header.value().length == 16) {
      ByteBuffer mark = ByteBuffer.wrap(header.value());
      if (mark.getLong() == origin) {
        CompletableFuture<Void> append = readBacks.readBack(mark.getLong());
        if (append != null) {
          ownRecords.increment();
          appliedRecords.incrementAndGet();
          append.complete(null); // runs what the feedback loop chained on it: its effects, in log order
          return;
        }
        // Our own append that failed or timed out ambiguously: it did reach Kafka, so it is applied
        // like anyone's (a resend of it is then a duplicate the feedback loop skips).
      }
    }
    LogRecord parsed = parse(record);
    if (parsed != null) {
      othersRecords.increment();
      appliedRecords.incrementAndGet();
      others.accept(parsed);
    }
  }

  private LogRecord parse(ConsumerRecord<byte[], byte[]> record) {
    try {
      return LogRecord.parseFrom(record.value());
    } catch (InvalidProtocolBufferException | NullPointerException e) {
      if (unreadableRecords.sum() % 1_000 == 0) {
        log.warn(
            "Skipping a record of topic {} partition {} offset {} that is not a feedback log record: {}",
            record.topic(), record.partition(), record.offset(), e.toString());
      }
      unreadableRecords.increment();
      return null;
    }
  }

  /** A capture that waits for the tailer to stand between two records. */
  private record PositionRequest(Function<List<Long>, CompletableFuture<FeedbackProcessor.Captured>> capture, CompletableFuture<FeedbackProcessor.Captured> done) {}

  private final Queue<PositionRequest> positionRequests = new ConcurrentLinkedQueue<>();

  /**
   * Between two polls every record read so far has had its effects queued, in order, and none
   * after: a capture queued now sees exactly them, and the consumer's positions are its offsets.
   */
  private void answerPositionRequests() {
    for (PositionRequest request = positionRequests.poll(); request != null; request = positionRequests.poll()) {
      PositionRequest answering = request;
      try {
        answering.capture().apply(positions()).whenComplete((captured, error) -> {
          if (error != null) {
            answering.done().completeExceptionally(error);
          } else {
            answering.done().complete(captured);
          }
        });
      } catch (RuntimeException e) {
        answering.done().completeExceptionally(e);
      }
    }
  }

  /** The consumer's next offset of every partition (tailer thread, or once it stopped). */
  private List<Long> positions() {
    List<Long> offsets = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      offsets.add(consumer.position(new TopicPartition(settings.topic(), p)));
    }
    return offsets;
  }

  @Override
  public CompletableFuture<FeedbackProcessor.Captured> capture(FeedbackProcessor processor, List<SnapshotPart> parts) {
    CompletableFuture<FeedbackProcessor.Captured> done = new CompletableFuture<>();
    if (stopTailing || tailer == null || !tailer.isAlive()) {
      done.completeExceptionally(new IllegalStateException("the feedback log is not being read"));
      return done;
    }
    PositionRequest request =
        new PositionRequest(offsets -> processor.capture(parts).thenApply(captured -> captured.atPartitionOffsets(offsets)), done);
    positionRequests.add(request);
    if (stopTailing && positionRequests.remove(request)) { // closed meanwhile: nobody will answer it
      done.completeExceptionally(new IllegalStateException("the feedback log closed"));
    }
    return done;
  }

  @Override
  public FeedbackProcessor.Captured captureClosed(FeedbackProcessor processor, List<SnapshotPart> parts) {
    if (finalPositions == null) {
      throw new IllegalStateException("the feedback log is still open");
    }
    return processor.captureClosed(parts).atPartitionOffsets(finalPositions);
  }

  /** Kafka's own retention (the topic's) decides what goes: a replica's snapshot retires nothing there. */
  @Override
  public int retire(long coveredBelow, LogRetention retention) {
    return 0;
  }

  @Override
  public void append(String userId, byte[] encodedRecord, CompletableFuture<Void> whenDurable) {
    if (closing) {
      whenDurable.completeExceptionally(new LogUnavailableException("the feedback log is closed"));
      return;
    }
    int size = encodedRecord.length;
    long sequence = nextAppend.getAndIncrement();
    if (!readBacks.await(sequence, size, whenDurable)) {
      refusedOverBound.increment();
      whenDurable.completeExceptionally(
          new LogUnavailableException(
              "Kafka has not acknowledged " + (settings.maxPendingBytes() >> 20) + " MiB of records yet; retry with backoff"));
      return;
    }
    byte[] mark = ByteBuffer.allocate(16).putLong(origin).putLong(sequence).array();
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            settings.topic(), null, null, userId.getBytes(StandardCharsets.UTF_8), encodedRecord,
            List.of(new RecordHeader(ORIGIN_HEADER, mark)));
    try {
      producer.send(
          record,
          (metadata, error) -> {
            if (error != null) {
              failAppend(sequence, error);
            }
          });
    } catch (KafkaException | IllegalStateException e) {
      failAppend(sequence, e);
    }
  }

  private void failAppend(long sequence, Throwable error) {
    produceFailures.increment();
    readBacks.fail(sequence, new LogUnavailableException("Kafka did not take the record: " + error.getMessage(), error));
  }

  /** Records applied here: replayed at the start, read back from this process, and from others. */
  @Override
  public long recordCount() {
    return appliedRecords.get();
  }

  /** Appends that failed: Kafka refused them or did not acknowledge them within the delivery timeout. */
  public long produceFailures() {
    return produceFailures.sum();
  }

  /** Appends refused at once because too many bytes were waiting for Kafka's acknowledgement. */
  public long refusedOverPendingBound() {
    return refusedOverBound.sum();
  }

  /** This process's appends read back from the topic (each completed its append). */
  public long ownRecordsRead() {
    return ownRecords.sum();
  }

  /** Records of other replicas (or of an earlier run) read from the topic while serving. */
  public long othersRecordsRead() {
    return othersRecords.sum();
  }

  public long unreadableRecords() {
    return unreadableRecords.sum();
  }

  /** Records whose application threw (logged); the tailer went on with the next. */
  public long skippedRecords() {
    return skippedRecords.sum();
  }

  /** Appends Kafka took but this replica did not read back in time (failed UNAVAILABLE; they may still apply). */
  public long readBacksTimedOut() {
    return readBacksTimedOut.sum();
  }

  /** Polls of the topic that failed with something other than a lost broker (the tailer goes on). */
  public long tailerFailures() {
    return tailerFailures.sum();
  }

  /** Appends sent and not yet read back. */
  public int awaitingReadBack() {
    return readBacks.size();
  }

  /**
   * Stops taking appends, lets those sent be acknowledged and read back (up to 10 s in all), then
   * fails any left and closes the clients.
   */
  @Override
  public void close() {
    closing = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    producer.close(Duration.ofMillis(CLOSE_WAIT_MILLIS)); // sends what is buffered, waits for the acknowledgements
    while (!readBacks.isEmpty() && tailer != null && System.nanoTime() < deadline) {
      sleepQuietly(10);
    }
    stopTailing = true;
    consumer.wakeup();
    boolean stopped = true;
    if (tailer != null) {
      try {
        tailer.join(CLOSE_WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stopped = !tailer.isAlive();
    }
    for (PositionRequest request = positionRequests.poll(); request != null; request = positionRequests.poll()) {
      request.done().completeExceptionally(new IllegalStateException("the feedback log closed"));
    }
    expiry.shutdownNow();
    readBacks.failAll("the feedback log closed before Kafka's copy of the record was read back");
    if (!stopped) {
      // Still inside a delivery (the effects queue full): the consumer is not ours to touch.
      log.warn("The feedback log's tailer did not stop within {} ms; no last snapshot", CLOSE_WAIT_MILLIS);
      return;
    }
    if (tailer != null) {
      finalPositions = positions(); // where the last snapshot of a graceful stop stands
    }
    consumer.close(Duration.ofSeconds(5));
  }

  private void closeClients() {
    expiry.shutdownNow();
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
