package io.recsys.loadtest.load;

import io.grpc.Status;
import io.recsys.client.RecsysClient;
import io.recsys.v1.RecommendRequest;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Recommend under load with asynchronous calls, so the generator needs a few threads, not one per
 * caller, and leaves the cores to the server it measures.
 *
 * <ul>
 *   <li>Closed loop: {@code concurrency} calls in flight; each completion starts the next call.
 *   <li>Open loop: calls start at a fixed rate whatever the answers do; latency is measured from
 *       each call's scheduled start, so queueing shows (no coordinated omission). At most {@value
 *       #MAX_OPEN_IN_FLIGHT} calls may be outstanding; a call past that is not sent and counts as
 *       the error {@value #CLIENT_CAPPED}, apart from what the server answered.
 * </ul>
 *
 * User ids are {@value #USER_PREFIX} plus a uniform draw from {@code [0, users)}.
 */
public final class LoadGenerator {
  public static final String USER_PREFIX = "load-user-";
  private static final int MAX_OPEN_IN_FLIGHT = 10_000;
  /** The error of an open-loop call not sent because too many were outstanding. */
  public static final String CLIENT_CAPPED = "CLIENT_CAPPED";

  private final RecsysClient client;
  private final int users;
  private final int k;
  /** What every request asks beyond its user and k (explanations, diversity). */
  private final RecommendRequest template;

  public LoadGenerator(RecsysClient client, int users, int k) {
    this(client, users, k, RecommendRequest.getDefaultInstance());
  }

  /** @param template fields every request carries, e.g. {@code explain} or {@code diversity} */
  public LoadGenerator(RecsysClient client, int users, int k, RecommendRequest template) {
    this.client = client;
    this.users = users;
    this.k = k;
    this.template = template;
  }

  /** What one measured run saw. */
  /** @param errors failed calls by gRPC status code name, plus {@value #CLIENT_CAPPED} */
  /** @param failureLatencies how long the failed calls took to fail (a refusal should be fast) */
  public record Result(String mode, int concurrency, double qps, Histogram latencies, Map<String, Long> errors, Histogram failureLatencies) {
    public double millis(double percentile) {
      return latencies.getValueAtPercentile(percentile) / 1e6;
    }

    public long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public static String header() {
      return String.format(Locale.ROOT, "%10s %9s %9s %9s %9s %9s", "QPS", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "errors");
    }

    public String row() {
      return String.format(Locale.ROOT, "%10.0f %9.2f %9.2f %9.2f %9.2f %9d",
          qps, millis(50), millis(90), millis(99), millis(99.9), errorCount());
    }
  }

  /**
   * Runs {@code warmupSeconds} unmeasured, then {@code seconds} measured.
   *
   * @param rate calls per second (open loop), or null for a closed loop of {@code concurrency}
   */
  public Result run(int concurrency, Double rate, int warmupSeconds, int seconds) throws InterruptedException {
    return run(concurrency, rate, warmupSeconds, seconds, () -> {});
  }

  /** As {@link #run(int, Double, int, int)}; {@code measuring} runs between the warm-up's last call and the first measured one. */
  public Result run(int concurrency, Double rate, int warmupSeconds, int seconds, Runnable measuring) throws InterruptedException {
    Recorder recorder = new Recorder(3);
    Recorder failures = new Recorder(3);
    Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    drive(concurrency, rate, new Calls(recorder, failures, errors), warmupSeconds);
    recorder.getIntervalHistogram(); // drop the warm-up
    failures.getIntervalHistogram();
    errors.clear();
    measuring.run();
    long start = System.nanoTime();
    drive(concurrency, rate, new Calls(recorder, failures, errors), seconds);
    double elapsed = (System.nanoTime() - start) / 1e9;
    Histogram latencies = recorder.getIntervalHistogram();
    Map<String, Long> errorCounts = new TreeMap<>();
    errors.forEach((code, count) -> errorCounts.put(code, count.get()));
    return new Result(
        rate == null ? "closed" : "open", concurrency, latencies.getTotalCount() / elapsed, latencies, errorCounts,
        failures.getIntervalHistogram());
  }

  private void drive(int concurrency, Double rate, Calls calls, int seconds) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    if (rate == null) {
      CountDownLatch done = new CountDownLatch(concurrency);
      // Failures can complete a call on the starting thread; starting the next call from here
      // instead of inside the callback keeps the stack flat.
      ExecutorService restarts = Executors.newSingleThreadExecutor();
      try {
        for (int c = 0; c < concurrency; c++) {
          closedLoop(calls, end, done, restarts);
        }
        done.await();
      } finally {
        restarts.shutdown();
      }
    } else {
      long interval = (long) (1e9 / rate);
      AtomicInteger inFlight = new AtomicInteger();
      for (long scheduled = System.nanoTime(); scheduled < end; scheduled += interval) {
        // parkNanos may return early: wait until the scheduled start has really come.
        for (long wait = scheduled - System.nanoTime(); wait > 0; wait = scheduled - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
        if (inFlight.incrementAndGet() > MAX_OPEN_IN_FLIGHT) {
          inFlight.decrementAndGet();
          calls.failed(CLIENT_CAPPED);
          continue;
        }
        calls.start(scheduled).whenComplete((ok, error) -> inFlight.decrementAndGet());
      }
      long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
        Thread.sleep(1);
      }
    }
  }

  private void closedLoop(Calls calls, long end, CountDownLatch done, ExecutorService restarts) {
    long begin = System.nanoTime();
    if (begin >= end) {
      done.countDown();
      return;
    }
    calls.start(begin).whenComplete((ok, error) -> {
      if (error == null) {
        closedLoop(calls, end, done, restarts);
      } else {
        restarts.execute(() -> closedLoop(calls, end, done, restarts));
      }
    });
  }

  /** Starts calls and records how each ended. */
  private final class Calls {
    private final Recorder recorder;
    private final Recorder failures;
    private final Map<String, AtomicLong> errors;

    Calls(Recorder recorder, Recorder failures, Map<String, AtomicLong> errors) {
      this.recorder = recorder;
      this.failures = failures;
      this.errors = errors;
    }

    /** @param begin when the call counts as started (its scheduled time, open loop) */
    java.util.concurrent.CompletableFuture<?> start(long begin) {
      RecommendRequest request =
          template.toBuilder().setUserId(USER_PREFIX + ThreadLocalRandom.current().nextInt(users)).setK(k).build();
      return client.recommendAsync(request).whenComplete((response, error) -> {
        if (error == null) {
          recorder.recordValue(Math.max(0, System.nanoTime() - begin));
        } else {
          Throwable cause = error instanceof CompletionException ? error.getCause() : error;
          failures.recordValue(Math.max(0, System.nanoTime() - begin));
          failed(Status.fromThrowable(cause).getCode().name());
        }
      });
    }

    void failed(String error) {
      errors.computeIfAbsent(error, e -> new AtomicLong()).incrementAndGet();
    }
  }
}
