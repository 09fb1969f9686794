package io.recsys.loadtest.chaos;

import java.util.Locale;

/** The faults a chaos run injects, each for a number of cycles. */
enum Fault {
  KILL9("kill -9 at a random moment, then a restart"),
  SIGTERM("SIGTERM mid-stream (a graceful stop), then a restart"),
  DISK_FULL("the data dir's filesystem full for a while, then room again"),
  SLOW_DISK("every fsync delayed for a while (strace fault injection)"),
  CLIENT_VANISHES("the feedback client's connection torn down mid-stream");

  final String description;

  Fault(String description) {
    this.description = description;
  }

  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static Fault parse(String label) {
    for (Fault fault : values()) {
      if (fault.label().equals(label.strip())) {
        return fault;
      }
    }
    throw new IllegalArgumentException("unknown fault '" + label + "'; one of kill9, sigterm, disk-full, slow-disk, client-vanishes");
  }
}
