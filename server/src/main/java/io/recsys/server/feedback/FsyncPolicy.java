package io.recsys.server.feedback;

import java.util.Locale;

/** When the log forces its writes to the disk, and so when an append counts as durable. */
public enum FsyncPolicy {
  /**
   * Every group commit is fsynced before its appends complete: an acknowledged event survives a
   * crash of the process and of the machine. The default.
   */
  BATCH,
  /**
   * Appends complete once written to the OS (survives kill -9, not a power loss); fsync runs in
   * the background every interval. For throughput over machine-crash safety.
   */
  INTERVAL;

  public static FsyncPolicy parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("fsync must be batch or interval, got '" + name + "'");
    }
  }
}
