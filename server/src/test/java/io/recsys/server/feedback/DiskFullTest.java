package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.server.api.VectorCatalogServer;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feedback log on a real full disk: a 1 MiB tmpfs mounted for the test (a real filesystem
 * that answers ENOSPC, with no loop device or image file to clean up; it needs root, which CI has:
 * elsewhere the test is skipped unless {@code RECSYS_REQUIRE_DISK_TESTS=1}). While the disk is
 * full, appends fail with the reason and nothing of them stays; once there is room again the same
 * log takes appends without a restart, and a restart replays exactly what was acknowledged.
 */
class DiskFullTest {
  private static final SegmentedFeedbackLog.Options OPTIONS =
      new SegmentedFeedbackLog.Options(FsyncPolicy.BATCH, java.time.Duration.ofMillis(50), 1 << 16, 1_024);

  @TempDir Path scratch;
  private Path disk;
  private boolean mounted;

  @BeforeEach
  void mountASmallDisk() throws Exception {
    disk = Files.createDirectories(scratch.resolve("disk"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString())
        .redirectErrorStream(true).start();
    String output = new String(mount.getInputStream().readAllBytes());
    mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
    if (!mounted) {
      String why = "cannot mount a tmpfs (needs root): " + output.strip();
      if ("1".equals(System.getenv("RECSYS_REQUIRE_DISK_TESTS"))) {
        fail(why + " (RECSYS_REQUIRE_DISK_TESTS=1)");
      }
      Assumptions.assumeTrue(false, why);
    }
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFullDiskRefusesAppendsWithTheReasonAndRoomAgainResumesWithoutARestart() throws Exception {
    Path log = Files.createDirectories(disk.resolve("feedback-log"));
    List<Long> acknowledged = new ArrayList<>();
    Path filler = disk.resolve("filler");
    try (SegmentedFeedbackLog feedbackLog = SegmentedFeedbackLog.open(log, OPTIONS, r -> {})) {
      long next = 0;
      for (; next < 50; next++) {
        feedbackLog.append(record(next)).get();
        acknowledged.add(next);
      }
      fill(filler);

      String reason = null;
      for (int tries = 0; tries < 200 && reason == null; tries++, next++) {
        try {
          feedbackLog.append(record(next)).get();
          acknowledged.add(next); // the page the segment already had may take a few
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(LogUnavailableException.class);
          reason = e.getCause().getMessage();
        }
      }
      assertThat(reason).as("the full disk refused an append").isNotNull()
          .contains("could not write").contains("No space left on device");
      assertThat(feedbackLog.refusedGroups()).isPositive();
      long refusedAt = next;
      assertThat(feedbackLog.append(record(refusedAt)))
          .as("still full: refused again, not hung").failsWithin(java.time.Duration.ofSeconds(10));

      Files.delete(filler);
      for (long id = refusedAt + 1; id < refusedAt + 101; id++) {
        feedbackLog.append(record(id)).get(); // room again: the same log, no restart
        acknowledged.add(id);
      }
    }

    List<Long> replayed = new ArrayList<>();
    SegmentedFeedbackLog.open(log, OPTIONS, r -> replayed.add(r.getServerTimeMicros())).close();
    assertThat(replayed).as("exactly what was acknowledged, in order: nothing refused, no partial record")
        .isEqualTo(acknowledged);
  }

  @Test
  void theServerAnswersFeedbackUnavailableWithTheReasonKeepsServingAndRecoversWithoutARestart() throws Exception {
    try (VectorCatalogServer server = VectorCatalogServer.start(disk, 3, 40, 8, "item-", c -> c)) {
      Path filler = disk.resolve("filler");
      fill(filler);

      // The page the log's segment already holds may take a few more; then the disk says no.
      long accepted = 0;
      FeedbackEvent refused = null;
      for (int u = 0; u < 300 && refused == null; u++) {
        RecommendResponse list = server.client.recommend("user-" + u, 5);
        FeedbackEvent click = FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("user-" + u)
            .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
        try {
          assertThat(server.client.reportFeedback(click).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
          accepted++;
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("No space left on device");
          refused = click;
        }
      }
      assertThat(refused).as("the full disk refused a reaction").isNotNull();
      assertThat(server.client.recommend("still-serving", 5).getItemsCount()).as("serving goes on").isEqualTo(5);
      assertThat(server.client.status().getFeedbackEventsDurable()).isEqualTo(accepted);

      Files.delete(filler);
      assertThat(server.client.reportFeedback(refused).getStatus())
          .as("the refused reaction, sent again once there is room").isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
      assertThat(server.client.status().getFeedbackEventsDurable()).isEqualTo(accepted + 1);
    }
  }

  /** Writes until the disk is full. */
  private static void fill(Path filler) throws IOException {
    byte[] block = new byte[4_096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left on device");
    }
  }

  private static LogRecord record(long id) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(id)
        .setFeedback(FeedbackRecord.newBuilder().setEventId("e" + id).setUserId("user-" + id).setItemId("item").setType(1))
        .build();
  }
}
