package io.recsys.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.storage.snapshot.CounterEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFilesTest {
  @TempDir Path dir;

  /** A part that saves {@code count} counters and records what it is given back. */
  private static final class Counters implements SnapshotPart {
    final int count;
    final List<Long> restored = new ArrayList<>();

    Counters(int count) {
      this.count = count;
    }

    @Override
    public Saved capture() {
      return out -> {
        for (int i = 0; i < count; i++) {
          out.accept(SnapshotEntry.newBuilder().setCounter(CounterEntry.newBuilder().setName("c").setValue(i)).build());
        }
      };
    }

    @Override
    public boolean restore(SnapshotEntry entry) {
      restored.add(entry.getCounter().getValue());
      return true;
    }
  }

  @Test
  void theNewestWholeSnapshotIsRestoredAndOnlyTheNewestKeptOnesStay() throws Exception {
    SnapshotFiles files = SnapshotFiles.open(dir, 2);
    Counters part = new Counters(1_000);
    files.write(10, 5, List.of(part.capture()));
    files.write(20, 15, List.of(part.capture()));
    SnapshotFiles.Stored newest = files.write(30, 25, List.of(part.capture()));

    assertThat(files.list()).extracting(SnapshotFiles.Stored::logPosition).containsExactly(30L, 20L);
    assertThat(files.oldestNeededRecord()).contains(15L);
    Counters restored = new Counters(0);
    assertThat(files.restoreNewest(List.of(restored))).hasValueSatisfying(h -> assertThat(h.getLogPosition()).isEqualTo(30));
    assertThat(restored.restored).hasSize(1_000).startsWith(0L, 1L).endsWith(999L);
    assertThat(newest.bytes()).isPositive();
  }

  @Test
  void aSnapshotCutShortByACrashIsNotOneAndTheOneBeforeIsUsed() throws Exception {
    SnapshotFiles files = SnapshotFiles.open(dir, 2);
    files.write(10, 10, List.of(new Counters(100).capture()));
    SnapshotFiles.Stored newest = files.write(20, 20, List.of(new Counters(100).capture()));
    try (RandomAccessFile raw = new RandomAccessFile(newest.file().toFile(), "rw")) {
      raw.setLength(raw.length() - 20); // the footer and a little more never made it
    }
    Files.writeString(dir.resolve("00000000000000000030-1.snap.tmp"), "a write that never finished");

    SnapshotFiles reopened = SnapshotFiles.open(dir, 2);
    Counters restored = new Counters(0);

    assertThat(reopened.restoreNewest(List.of(restored))).hasValueSatisfying(h -> assertThat(h.getLogPosition()).isEqualTo(10));
    assertThat(restored.restored).hasSize(100);
    assertThat(dir.resolve("00000000000000000030-1.snap.tmp")).doesNotExist();
  }

  @Test
  void noSnapshotMeansReplayingEverything() throws Exception {
    SnapshotFiles files = SnapshotFiles.open(dir, 2);

    assertThat(files.restoreNewest(List.of(new Counters(0)))).isEmpty();
    assertThat(files.oldestNeededRecord()).isEmpty();
  }
}
