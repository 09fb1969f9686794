package io.recsys.server.learning;

/**
 * How strict the safety gate is.
 *
 * @param margin how much worse than live a candidate may look and still pass, in reward per shown
 *     item (the lower end of the interval of the difference is held against it)
 * @param minLists fewer complete logged lists than this: no verdict, no publish
 * @param bootstrapResamples resamples behind each estimate's interval
 * @param confidence level of those intervals
 */
public record GateSettings(double margin, int minLists, int bootstrapResamples, double confidence) {
  public GateSettings {
    if (!(margin >= 0) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("the gate margin must be a finite number >= 0, got " + margin);
    }
    if (minLists < 1 || bootstrapResamples < 1) {
      throw new IllegalArgumentException("the gate needs at least one list and one resample");
    }
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("the gate's confidence must be in (0, 1), got " + confidence);
    }
  }

  /** A candidate may look at most 0.02 a shown item worse than live, judged on at least 100 lists. */
  public static GateSettings defaults() {
    return new GateSettings(0.02, 100, 200, 0.95);
  }
}
