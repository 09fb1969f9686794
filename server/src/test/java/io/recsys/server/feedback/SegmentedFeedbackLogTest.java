package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.LogRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedFeedbackLogTest {
  private static final SegmentedFeedbackLog.Options SMALL_SEGMENTS =
      new SegmentedFeedbackLog.Options(FsyncPolicy.BATCH, Duration.ofMillis(50), 64 << 10, 1_024);

  @TempDir Path dir;

  @Test
  void everyCompletedAppendIsReplayedInOrderAcrossSegments() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      List<CompletableFuture<Void>> appends = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        appends.add(log.append(record(i)));
      }
      CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get();
      assertThat(log.recordCount()).isEqualTo(20_000);
    }

    assertThat(segmentCount()).as("64 KiB segments roll").isGreaterThan(3);
    assertThat(replayedIds()).hasSize(20_000).isSorted().startsWith(0L).endsWith(19_999L);
  }

  @Test
  void replayFromASnapshotSkipsTheRecordsItCoversAndNumberingGoesOn() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      for (int i = 0; i < 5_000; i++) {
        log.append(record(i));
      }
      log.append(record(5_000)).get();
    }
    List<Long> replayed = new ArrayList<>();
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, 3_210, 3_500, r -> replayed.add(id(r)))) {
      assertThat(log.recordCount()).isEqualTo(5_001);
    }
    assertThat(replayed).hasSize(5_001 - 3_210).startsWith(3_210L).endsWith(5_000L).isSorted();
  }

  @Test
  void aLogThatEndsBeforeTheSnapshotGoesOnNumberingAfterIt() throws Exception {
    // Under fsync=interval a crash can lose acknowledged records the snapshot already holds.
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      log.append(record(0)).get();
    }
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, 0, 40, r -> {})) {
      assertThat(log.recordCount()).isEqualTo(40);
      log.append(record(40)).get();
    }
    List<Long> replayed = new ArrayList<>();
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, 40, 40, r -> replayed.add(id(r)))) {
      assertThat(log.recordCount()).isEqualTo(41);
    }
    assertThat(replayed).as("record 40 kept its number").containsExactly(40L);
  }

  @Test
  void aLogThatBeginsAfterTheSnapshotIsMissingRecordsAndRefusesToStart() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, 0, 100, r -> {})) {
      log.append(record(100)).get(); // in a segment named 100: records 0..99 never existed here
    }
    assertThatThrownBy(() -> SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, 20, 20, r -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("begins at record 100")
        .hasMessageContaining("missing");
  }

  @Test
  void aTornTailIsCutOffAndAppendsContinueAfterIt() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      for (int i = 0; i < 10; i++) {
        log.append(record(i)).get();
      }
    }
    Path segment = lastSegment();
    try (RandomAccessFile raw = new RandomAccessFile(segment.toFile(), "rw")) {
      raw.setLength(raw.length() - 3); // a crash in the middle of the last record
    }

    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      assertThat(log.recordCount()).isEqualTo(9);
      log.append(record(100)).get();
    }
    assertThat(replayedIds()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 100L);
  }

  @Test
  void zeroedBytesAfterTheLastRecordAreCutOffNotReplayedAsEmptyRecords() throws Exception {
    // A crash can leave a file extended with blocks never written: zeros. Their "length 0, CRC 0"
    // once passed as valid empty records (found by FeedbackLogRecoveryFuzzTest).
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      for (int i = 0; i < 3; i++) {
        log.append(record(i)).get();
      }
    }
    try (RandomAccessFile raw = new RandomAccessFile(lastSegment().toFile(), "rw")) {
      raw.setLength(raw.length() + 4_096);
    }

    assertThat(replayedIds()).containsExactly(0L, 1L, 2L);
    assertThat(Files.size(lastSegment())).as("the zeros were cut off").isLessThan(4_096);
  }

  @Test
  void damageBeforeTheLastSegmentStopsTheStart() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      for (int i = 0; i < 3_000; i++) {
        log.append(record(i));
      }
      log.append(record(3_000)).get();
    }
    Path first;
    try (Stream<Path> files = Files.list(dir)) {
      first = files.sorted().findFirst().orElseThrow();
    }
    try (RandomAccessFile raw = new RandomAccessFile(first.toFile(), "rw")) {
      raw.seek(100);
      raw.write(raw.read() ^ 0xff);
    }

    assertThatThrownBy(() -> SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is damaged at offset")
        .hasMessageContaining("refusing to start");
  }

  @Test
  void intervalPolicyCompletesAppendsAndKeepsThem() throws Exception {
    SegmentedFeedbackLog.Options interval =
        new SegmentedFeedbackLog.Options(FsyncPolicy.INTERVAL, Duration.ofMillis(10), 64L << 20, 1_024);
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, interval, r -> {})) {
      for (int i = 0; i < 100; i++) {
        log.append(record(i)).get();
      }
    }

    assertThat(replayedIds()).hasSize(100);
  }

  @Test
  void eraseReplacesTheMatchingRecordsInEverySegmentInPlaceAndNumberingGoesOn() throws Exception {
    int n = 10_000; // about five 64 KiB segments: sealed ones (rewritten beside the writer) and the newest two
    List<Long> erasedFirst = new ArrayList<>();
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      for (int i = 0; i < n; i++) {
        log.append(record(i, i % 3 == 0 ? "gone-user" : "kept-user"));
      }
      log.append(record(n, "gone-user")).get();
      long before = segmentCount();
      assertThat(before).isGreaterThan(3);
      // Retention by age reads a segment's modification time: a rewrite must not make it young.
      Path oldest;
      try (Stream<Path> files = Files.list(dir)) {
        oldest = files.sorted().findFirst().orElseThrow();
      }
      java.nio.file.attribute.FileTime aYearAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofDays(365)));
      Files.setLastModifiedTime(oldest, aYearAgo);
      long erased = log.erase(r -> r.getFeedback().getUserId().equals("gone-user"), () -> erasedFirst.add(log.recordCount())).get();

      assertThat(erased).isEqualTo((n + 2) / 3 + 1);
      assertThat(erasedFirst).as("ran on the writer, after every earlier append").containsExactly(n + 1L);
      assertThat(segmentCount()).isEqualTo(before);
      assertThat(Files.getLastModifiedTime(oldest)).isEqualTo(aYearAgo);
      assertThat(log.recordCount()).isEqualTo(n + 1);
      log.append(record(n + 1, "gone-user")).get(); // a new record of the same user is new, and kept
      assertThat(log.erase(r -> r.getFeedback().getUserId().equals("nobody"), () -> {}).get()).isZero();
      List<String> stored = new ArrayList<>();
      log.readStored(r -> stored.add(r.getKindCase() + ":" + r.getFeedback().getUserId()));
      assertThat(stored).hasSize(n + 2).startsWith("ERASED:", "FEEDBACK:kept-user").endsWith("ERASED:", "FEEDBACK:gone-user");
      assertThat(stored.subList(0, n + 1)).doesNotContain("FEEDBACK:gone-user");
    }

    List<LogRecord> replayed = new ArrayList<>();
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, replayed::add)) {
      assertThat(log.recordCount()).isEqualTo(n + 2);
    }
    assertThat(replayed).hasSize(n + 2);
    for (int i = 0; i <= n; i++) {
      LogRecord record = replayed.get(i);
      assertThat(record.getServerTimeMicros()).as("each record keeps its place").isEqualTo(i);
      assertThat(record.getKindCase()).isEqualTo(i % 3 == 0 || i == n ? LogRecord.KindCase.ERASED : LogRecord.KindCase.FEEDBACK);
    }
    assertThat(replayed.get(n + 1).getFeedback().getUserId()).isEqualTo("gone-user");
    long traces = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1); // one char per byte
        traces += java.util.regex.Pattern.compile("gone-user", java.util.regex.Pattern.LITERAL).matcher(bytes).results().count();
      }
    }
    assertThat(traces).as("only the record appended after the erasure").isEqualTo(1);
  }

  @Test
  void appendsGoOnWhileTheSealedSegmentsAreRewritten() throws Exception {
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SMALL_SEGMENTS, r -> {})) {
      for (int i = 0; i < 10_000; i++) {
        log.append(record(i, i % 2 == 0 ? "gone-user" : "kept-user"));
      }
      log.append(record(10_000, "kept-user")).get();
      List<Long> appendedDuringTheFirstPass = new ArrayList<>();
      long erased = log.erase(r -> {
        // The first pass runs on this thread: an append completes meanwhile (the writer is free).
        if (appendedDuringTheFirstPass.isEmpty() && r.getServerTimeMicros() == 0) {
          try {
            log.append(record(20_000, "gone-user")).get(10, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new AssertionError("an append waited for the first pass", e);
          }
          appendedDuringTheFirstPass.add(log.recordCount());
        }
        return r.getFeedback().getUserId().equals("gone-user");
      }, () -> {}).get();

      assertThat(appendedDuringTheFirstPass).containsExactly(10_002L);
      assertThat(erased).as("the one appended during the first pass too: it came before the writer's pass").isEqualTo(5_001);
    }
  }

  @Test
  void appendsAfterCloseFailWithLogUnavailable() throws Exception {
    SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir, SegmentedFeedbackLog.Options.defaults(), r -> {});
    log.close();

    assertThatThrownBy(() -> log.append(record(1)).get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LogUnavailableException.class);
  }

  private static LogRecord record(long id) {
    return record(id, "u");
  }

  private static LogRecord record(long id, String userId) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(id)
        .setFeedback(FeedbackRecord.newBuilder().setEventId("e" + id).setUserId(userId).setItemId("i").setType(1))
        .build();
  }


  private static long id(LogRecord record) {
    return record.getServerTimeMicros();
  }

  private List<Long> replayedIds() throws IOException {
    List<Long> ids = new ArrayList<>();
    SegmentedFeedbackLog.open(dir, SegmentedFeedbackLog.Options.defaults(), r -> ids.add(r.getServerTimeMicros())).close();
    return ids;
  }

  private long segmentCount() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.count();
    }
  }

  private Path lastSegment() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().reduce((a, b) -> b).orElseThrow();
    }
  }
}
