package io.recsys.server.model;

import java.time.Duration;
import java.util.Locale;

/**
 * How long a batch that is not full may wait for more calls once it holds its first: the
 * batcher's one latency-for-throughput trade.
 *
 * <p>{@link Mode#FIXED} waits up to the bound every time. {@link Mode#ADAPTIVE} waits, for about
 * one batch's time and at most the bound, only while waiting pays. On a CPU a batch of a few costs
 * little more than a batch of one (the item matrix is read once either way), so once the server
 * gets busy a short wait cuts the work per call, and the queueing that saves outweighs the wait.
 * Two signals decide: the load (arrival rate x batch time: the calls due while a batch runs) and
 * what the last waits gained (calls that joined a batch while it waited). At a load of 1 or more
 * it waits; under {@value #LIGHT_LOAD} never; in between only while waits have been gaining at
 * least half a call each, trying one batch in {@value #PROBE_EVERY} to find out. So a lone caller,
 * or a closed loop of one (whose next call comes only after its answer, so no wait ever gains
 * one), pays for a wait on one batch in {@value #PROBE_EVERY} at most, and at low load on none.
 *
 * <p>Not thread-safe: the batcher's worker is its only user.
 */
public final class BatchWait {
  /** The rates are averages over about this long, so a burst or a lull changes them within a few batches. */
  private static final double TIME_CONSTANT_NANOS = 50e6;
  /** Weight of the newest batch in the average batch time. */
  private static final double BATCH_TIME_WEIGHT = 0.2;
  /** Weight of the newest wait in the average calls a wait gained. */
  private static final double GAIN_WEIGHT = 0.1;
  /** Below this load (calls due during one batch) a wait is never worth it. */
  static final double LIGHT_LOAD = 0.3;
  /** Between light and full load, one batch in this many waits to learn whether waits gain. */
  static final int PROBE_EVERY = 16;

  public enum Mode {
    FIXED,
    ADAPTIVE;

    /** "fixed" or "adaptive", any case. */
    public static Mode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("queue delay mode must be adaptive or fixed, got '" + text + "'");
      }
    }
  }

  private final Mode mode;
  private final long boundNanos;
  private double arrivalsPerNano;
  private double batchNanos;
  private long lastNanos;
  private long lastArrivals;
  private double gainedPerWait = 1; // optimistic: the first waits in the middle band find out
  private int batchesSinceWait;

  public BatchWait(Mode mode, Duration bound, long nowNanos) {
    if (bound.isNegative()) {
      throw new IllegalArgumentException("a batch wait bound must be >= 0, got " + bound);
    }
    this.mode = mode;
    this.boundNanos = bound.toNanos();
    this.lastNanos = nowNanos;
  }

  /**
   * How long the batch starting now may wait for more calls, counted from its first call's
   * arrival; {@code arrivals} counts every call ever submitted (the rate is its growth).
   */
  long nanosToWait(long arrivals, long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      double rate = (arrivals - lastArrivals) / (double) elapsed;
      arrivalsPerNano += (1 - Math.exp(-elapsed / TIME_CONSTANT_NANOS)) * (rate - arrivalsPerNano);
      lastNanos = nowNanos;
      lastArrivals = arrivals;
    }
    if (mode == Mode.FIXED || boundNanos == 0) {
      return boundNanos;
    }
    double load = arrivalsPerNano * batchNanos;
    boolean wait = load >= 1 || (load >= LIGHT_LOAD && (gainedPerWait >= 0.5 || batchesSinceWait >= PROBE_EVERY - 1));
    if (!wait) {
      batchesSinceWait++;
      return 0;
    }
    batchesSinceWait = 0;
    return Math.min(boundNanos, (long) batchNanos);
  }

  /** A batch that was allowed to wait gained {@code calls} while it did. */
  void waited(int calls) {
    gainedPerWait += GAIN_WEIGHT * (calls - gainedPerWait);
  }

  /** A batch took {@code nanos} to run. */
  void batchRan(long nanos) {
    batchNanos = batchNanos == 0 ? nanos : batchNanos + BATCH_TIME_WEIGHT * (nanos - batchNanos);
  }

  /** Calls per second, as the policy sees them now. */
  double arrivalsPerSecond() {
    return arrivalsPerNano * 1e9;
  }
}
