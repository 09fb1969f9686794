package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The scoring bound follows the completion rate x the latency budget, on a synthetic clock
 * (ScoringBulkheadTest sheds real gRPC calls at a fixed bound).
 */
class AdmissionLimitTest {
  private static final Duration BUDGET = Duration.ofMillis(250);

  /** {@code perSecond} completions a second for {@code seconds}, from {@code startNanos}; returns the end. */
  private static long complete(ScoringBulkhead admission, long startNanos, int perSecond, double seconds) {
    long gap = 1_000_000_000L / perSecond;
    long end = startNanos + (long) (seconds * 1e9);
    long now = startNanos;
    for (; now < end; now += gap) {
      admission.completedOne(now);
    }
    return now;
  }

  @Test
  void aColdServerAdmitsTheFloor() {
    assertThat(new ScoringBulkhead(2_048, BUDGET, 0).limit()).isEqualTo(ScoringBulkhead.FLOOR);
  }

  @Test
  void theBoundFollowsTheRateBothWays() {
    ScoringBulkhead admission = new ScoringBulkhead(2_048, BUDGET, 0);
    long now = complete(admission, 0, 2_000, 6);
    assertThat(admission.limit()).as("2,000/s x 250 ms").isBetween(490, 510);
    complete(admission, now, 100, 6);
    assertThat(admission.limit()).as("100/s x 250 ms is under the floor").isEqualTo(ScoringBulkhead.FLOOR);
  }

  @Test
  void theBoundNeverPassesTheMaximum() {
    ScoringBulkhead admission = new ScoringBulkhead(300, BUDGET, 0);
    complete(admission, 0, 4_000, 6);
    assertThat(admission.limit()).isEqualTo(300);
    assertThat(new ScoringBulkhead(2, BUDGET, 0).limit()).as("a maximum under the floor").isEqualTo(2);
  }

  @Test
  void withoutABudgetTheBoundIsTheMaximum() {
    ScoringBulkhead admission = new ScoringBulkhead(100, Duration.ZERO, 0);
    complete(admission, 0, 4_000, 3);
    assertThat(admission.limit()).isEqualTo(100);
  }
}
