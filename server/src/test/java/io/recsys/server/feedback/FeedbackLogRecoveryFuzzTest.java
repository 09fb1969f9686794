package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Coverage-guided fuzzing of the feedback log's recovery: a segment of 20 real records is damaged
 * the way the fuzzer chooses (bytes overwritten at an offset, the file cut short, garbage
 * appended), then the log is opened as a restarting server opens it. What it replays must be a
 * prefix of what was written, in order, never a record that was not (the damage lands in the
 * tail segment, which recovery may cut); the log must then take appends and replay them after a
 * second restart. Seeds run with every build; {@code JAZZER_FUZZ=1} fuzzes from them.
 */
class FeedbackLogRecoveryFuzzTest {
  private static final int RECORDS = 20;
  /** Appends complete once written to the OS: the recovery rules are the same, and fuzzing runs far faster without fsyncs. */
  private static final SegmentedFeedbackLog.Options OPTIONS =
      new SegmentedFeedbackLog.Options(FsyncPolicy.INTERVAL, java.time.Duration.ofMillis(50), 1 << 16, 1_024);
  private static Path scratch;
  private static byte[] intactSegment;
  private static String segmentName;

  @BeforeAll
  static void writeIntactSegment() throws Exception {
    scratch = Files.createTempDirectory("log-fuzz");
    Path log = scratch.resolve("template");
    try (SegmentedFeedbackLog feedbackLog = SegmentedFeedbackLog.open(log, OPTIONS, r -> {})) {
      for (int i = 0; i < RECORDS; i++) {
        feedbackLog.append(record(i)).get();
      }
    }
    try (Stream<Path> files = Files.list(log)) {
      Path segment = files.findFirst().orElseThrow();
      segmentName = segment.getFileName().toString();
      intactSegment = Files.readAllBytes(segment);
    }
  }

  @AfterAll
  static void clean() throws IOException {
    delete(scratch);
  }

  static Stream<Arguments> recoveryReplaysAPrefixOfWhatWasWrittenAndAppendsAgain() {
    return Stream.of(
        arguments(0, new byte[0], 0, new byte[0]), // intact
        arguments(30, new byte[] {1, 2, 3}, 0, new byte[0]), // bytes flipped in the first record
        arguments(0, new byte[0], 17, new byte[0]), // torn tail
        arguments(0, new byte[0], 0, new byte[] {0, 0, 0, 5, 9, 9}), // garbage after the last record
        arguments(4, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, 0, new byte[0])); // a huge length
  }

  @org.junit.jupiter.params.provider.MethodSource
  @FuzzTest(maxDuration = "30s")
  void recoveryReplaysAPrefixOfWhatWasWrittenAndAppendsAgain(
      int offset, byte @NotNull [] overwrite, int cut, byte @NotNull [] appended) throws Exception {
    byte[] damaged = damage(offset, overwrite, cut, appended);
    Path log = Files.createTempDirectory(scratch, "case");
    try {
      Files.write(log.resolve(segmentName), damaged);

      List<Long> replayed = new ArrayList<>();
      try (SegmentedFeedbackLog recovered = SegmentedFeedbackLog.open(log, OPTIONS, r -> replayed.add(id(r)))) {
        assertThat(replayed).as("a prefix of the records written").isEqualTo(prefix(replayed.size()));
        recovered.append(record(1_000)).get();
      }
      List<Long> afterRestart = new ArrayList<>();
      SegmentedFeedbackLog.open(log, OPTIONS, r -> afterRestart.add(id(r))).close();
      List<Long> expected = new ArrayList<>(replayed);
      expected.add(1_000L);
      assertThat(afterRestart).as("what survived, then the new append").isEqualTo(expected);
    } finally {
      delete(log);
    }
  }

  private static byte[] damage(int offset, byte[] overwrite, int cut, byte[] appended) {
    int length = intactSegment.length - Math.floorMod(cut, intactSegment.length + 1);
    byte[] damaged = new byte[length + Math.min(appended.length, 4_096)];
    System.arraycopy(intactSegment, 0, damaged, 0, length);
    System.arraycopy(appended, 0, damaged, length, damaged.length - length);
    if (damaged.length > 0) {
      int at = Math.floorMod(offset, damaged.length);
      for (int i = 0; i < overwrite.length && at + i < damaged.length; i++) {
        damaged[at + i] = overwrite[i];
      }
    }
    return damaged;
  }

  private static List<Long> prefix(int n) {
    List<Long> ids = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      ids.add(i);
    }
    return ids;
  }

  private static long id(LogRecord record) {
    return record.getServerTimeMicros();
  }

  private static LogRecord record(long id) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(id)
        .setFeedback(FeedbackRecord.newBuilder().setEventId("e" + id).setUserId("u").setItemId("i").setType(1))
        .build();
  }

  private static void delete(Path path) throws IOException {
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
