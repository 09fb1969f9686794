package io.recsys.server.feedback;

import java.time.Duration;

/**
 * How much of the feedback log is kept once a snapshot holds its effect: the log's segments, oldest
 * first, are retired while the log is larger than {@code maxBytes} or a segment's last record is
 * older than {@code maxAge}. Segments a snapshot does not cover are never retired, whatever these
 * say: a restart needs them. Kept history serves the offline {@code ope} and {@code train}
 * commands.
 *
 * @param maxBytes the log's bound on disk once covered; {@code Long.MAX_VALUE} for none
 * @param maxAge how long a covered segment is kept; {@code null} for no bound by age
 */
public record LogRetention(long maxBytes, Duration maxAge) {
  public LogRetention {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    if (maxAge != null && maxAge.isNegative()) {
      throw new IllegalArgumentException("maxAge must not be negative, got " + maxAge);
    }
  }

  /** 10 GiB or 30 days, whichever is reached first. */
  public static LogRetention defaults() {
    return new LogRetention(10L << 30, Duration.ofDays(30));
  }

  /** Whether a covered segment goes, given the log's size with it and when it was last written. */
  boolean retires(long logBytes, long segmentAgeMillis) {
    return logBytes > maxBytes || (maxAge != null && segmentAgeMillis > maxAge.toMillis());
  }
}
