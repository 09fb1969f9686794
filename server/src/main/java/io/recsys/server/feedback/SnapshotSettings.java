package io.recsys.server.feedback;

import java.time.Duration;

/**
 * When the feedback loop's state is snapshotted and how much of the log is kept after.
 *
 * @param interval a snapshot at least this often while records arrive
 * @param everyRecords and one as soon as this many records arrived since the last: a restart
 *     replays at most about this many
 * @param retention how much of the log the snapshots cover is kept
 */
public record SnapshotSettings(Duration interval, long everyRecords, LogRetention retention) {
  public SnapshotSettings {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the snapshot interval must be positive, got " + interval);
    }
    if (everyRecords < 1) {
      throw new IllegalArgumentException("snapshot-every-records must be >= 1, got " + everyRecords);
    }
  }

  public static SnapshotSettings defaults() {
    return new SnapshotSettings(Duration.ofMinutes(10), 100_000, LogRetention.defaults());
  }
}
