package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The adaptive wait on a synthetic clock: calls arrive at a set rate, batches take a set time. */
class BatchWaitTest {
  private static final long MS = 1_000_000;

  /** A synthetic clock and arrival count that carry on across runs; counts the batches allowed to wait. */
  private static final class Load {
    long now;
    long arrivals;
    int waits;

    /**
     * {@code batches} batches of {@code batchNanos}, one every {@code periodNanos}, each with
     * {@code perBatch} arrivals, of which {@code gained} join a batch that waits; the last wait.
     */
    long run(BatchWait wait, long batchNanos, long periodNanos, int perBatch, int gained, int batches) {
      long last = -1;
      waits = 0;
      for (int b = 0; b < batches; b++) {
        now += periodNanos;
        arrivals += perBatch;
        last = wait.nanosToWait(arrivals, now);
        if (last > 0) {
          waits++;
          wait.waited(gained);
        }
        wait.batchRan(batchNanos);
      }
      return last;
    }
  }

  private static long run(BatchWait wait, long batchNanos, long periodNanos, int perBatch, int batches) {
    return new Load().run(wait, batchNanos, periodNanos, perBatch, perBatch, batches);
  }

  @Test
  void aLoneCallerWaitsOnOneBatchInSixteenAtMost() {
    // A closed loop of one: the next call comes 0.4 ms after the 1 ms batch answered it, so its
    // load is 0.7 and no wait ever gains a call.
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    Load load = new Load();
    load.run(wait, MS, 1_400_000, 1, 0, 400);
    load.run(wait, MS, 1_400_000, 1, 0, 1_600);
    assertThat(load.waits).isEqualTo(1_600 / BatchWait.PROBE_EVERY);
    assertThat(wait.arrivalsPerSecond()).isBetween(700.0, 730.0);
  }

  @Test
  void atTheSameLoadWaitsThatGainCallsGoOn() {
    // Open loop at the same load: a call arrives during most waits.
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    Load load = new Load();
    load.run(wait, MS, 1_400_000, 1, 1, 200); // the rate's average settles
    load.run(wait, MS, 1_400_000, 1, 1, 2_000);
    assertThat(load.waits).isEqualTo(2_000);
  }

  @Test
  void atLightLoadNothingWaits() {
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    Load load = new Load();
    load.run(wait, MS, 5 * MS, 1, 1, 2_000);
    assertThat(load.waits).isZero();
  }

  @Test
  void callsFasterThanABatchRunsWaitAboutOneBatch() {
    // Three calls per 1 ms batch: another is due before a batch would finish.
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    assertThat(run(wait, MS, MS, 3, 2_000)).isBetween(990_000L, 1_010_000L);
  }

  @Test
  void theWaitNeverPassesItsBound() {
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    assertThat(run(wait, 10 * MS, 10 * MS, 30, 2_000)).isEqualTo(2 * MS);
  }

  @Test
  void theWaitStopsSoonAfterTheLoadDrops() {
    BatchWait wait = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ofMillis(2), 0);
    Load load = new Load();
    assertThat(load.run(wait, MS, MS, 3, 3, 2_000)).isPositive();
    // Then one call every 5 ms (load 0.2): within 50 batches (250 ms, five time constants) waiting stops.
    load.run(wait, MS, 5 * MS, 1, 1, 50);
    assertThat(load.run(wait, MS, 5 * MS, 1, 1, 100)).isZero();
    assertThat(load.waits).isZero();
  }

  @Test
  void fixedWaitsTheBoundAndABoundOfZeroNeverWaits() {
    BatchWait fixed = new BatchWait(BatchWait.Mode.FIXED, Duration.ofMillis(2), 0);
    assertThat(run(fixed, MS, 1_400_000, 1, 100)).isEqualTo(2 * MS);
    BatchWait none = new BatchWait(BatchWait.Mode.ADAPTIVE, Duration.ZERO, 0);
    assertThat(run(none, MS, MS, 30, 100)).isZero();
  }

  @Test
  void modesParseByNameAndRefuseOthers() {
    assertThat(BatchWait.Mode.parse(" Adaptive ")).isEqualTo(BatchWait.Mode.ADAPTIVE);
    assertThat(BatchWait.Mode.parse("fixed")).isEqualTo(BatchWait.Mode.FIXED);
    assertThatThrownBy(() -> BatchWait.Mode.parse("greedy")).hasMessage("queue delay mode must be adaptive or fixed, got 'greedy'");
  }
}
