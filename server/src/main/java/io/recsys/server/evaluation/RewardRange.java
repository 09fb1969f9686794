package io.recsys.server.evaluation;

/**
 * The values a policy's expected reward can take: an estimate outside is an artefact of the
 * weights (DR's correction can push a click rate below 0), so it is clipped into the range and
 * says so.
 */
public record RewardRange(double low, double high) {
  public RewardRange {
    if (!(low <= high) || Double.isInfinite(low) || Double.isInfinite(high)) {
      throw new IllegalArgumentException("a reward range needs finite low <= high, got [" + low + ", " + high + "]");
    }
  }

  /** A click rate. */
  public static final RewardRange RATE = new RewardRange(0, 1);

  /** No clipping. */
  public static final RewardRange UNBOUNDED = new RewardRange(-Double.MAX_VALUE, Double.MAX_VALUE);

  public double clip(double value) {
    return Math.max(low, Math.min(high, value));
  }

  public boolean contains(double value) {
    return value >= low && value <= high;
  }

  /** The range of a difference of two sums of {@code n} such rewards (two policies' lists). */
  public RewardRange differenceOf(double n) {
    if (this == UNBOUNDED) {
      return this;
    }
    double spread = (high - low) * n;
    return new RewardRange(-spread, spread);
  }

  /** The range of a sum of {@code n} such rewards (a list's). */
  public RewardRange times(double n) {
    return this == UNBOUNDED ? this : new RewardRange(low * n, high * n);
  }
}
