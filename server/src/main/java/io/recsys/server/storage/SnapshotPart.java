package io.recsys.server.storage;

import io.recsys.server.storage.snapshot.CounterEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import java.util.function.Consumer;

/**
 * A piece of the feedback loop's state that a snapshot saves and a restart restores, so the
 * restart need not replay the log's whole history to get it back.
 */
public interface SnapshotPart {
  /**
   * Copies what this part must save, quickly, on the thread that changes it, between two changes
   * (so the copy is of one moment); the returned writer turns the copy into entries later, on
   * another thread.
   */
  Saved capture();

  /** Takes one entry of a snapshot being restored; returns false for an entry of another part. */
  boolean restore(SnapshotEntry entry);

  /** The entry of a named count a part keeps. */
  static SnapshotEntry counter(String name, long value) {
    return SnapshotEntry.newBuilder().setCounter(CounterEntry.newBuilder().setName(name).setValue(value)).build();
  }

  /** A captured copy, written out as entries off the thread that captured it. */
  @FunctionalInterface
  interface Saved {
    void writeTo(Consumer<SnapshotEntry> out);
  }
}
