package io.recsys.loadtest.load;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Recommend under load, closed loop ({@code concurrency} callers back to back) or open loop (a
 * fixed rate spread over the callers, latency measured from each call's scheduled start so that
 * queueing shows, without coordinated omission). User ids are {@value #USER_PREFIX} plus a
 * uniform draw from {@code [0, users)}.
 */
public final class LoadGenerator {
  public static final String USER_PREFIX = "load-user-";

  private final RecsysClient client;
  private final int users;
  private final int k;

  public LoadGenerator(RecsysClient client, int users, int k) {
    this.client = client;
    this.users = users;
    this.k = k;
  }

  /** What one measured run saw. */
  public record Result(String mode, int concurrency, double qps, Histogram latencies, Map<Status.Code, Long> errors) {
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
   * @param rate calls per second in all (open loop), or null for a closed loop
   */
  public Result run(int concurrency, Double rate, int warmupSeconds, int seconds) throws Exception {
    Recorder recorder = new Recorder(3);
    Map<Status.Code, AtomicLong> errors = new ConcurrentHashMap<>();
    drive(concurrency, rate, recorder, errors, warmupSeconds);
    recorder.getIntervalHistogram(); // drop the warm-up
    errors.clear();
    long start = System.nanoTime();
    drive(concurrency, rate, recorder, errors, seconds);
    double elapsed = (System.nanoTime() - start) / 1e9;
    Histogram latencies = recorder.getIntervalHistogram();
    Map<Status.Code, Long> errorCounts = new java.util.TreeMap<>();
    errors.forEach((code, count) -> errorCounts.put(code, count.get()));
    return new Result(rate == null ? "closed" : "open", concurrency, latencies.getTotalCount() / elapsed, latencies, errorCounts);
  }

  private void drive(int concurrency, Double rate, Recorder recorder, Map<Status.Code, AtomicLong> errors, int seconds)
      throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    ExecutorService callers = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> running = new ArrayList<>();
      long interval = rate == null ? 0 : (long) (1e9 * concurrency / rate); // per caller, open loop
      for (int c = 0; c < concurrency; c++) {
        long offset = interval == 0 ? 0 : ThreadLocalRandom.current().nextLong(interval);
        running.add(callers.submit(() -> {
          long scheduled = System.nanoTime() + offset;
          while (true) {
            // parkNanos may return early: wait until the scheduled start has really come.
            for (long wait = scheduled - System.nanoTime(); interval > 0 && wait > 0; wait = scheduled - System.nanoTime()) {
              LockSupport.parkNanos(wait);
            }
            long begin = interval > 0 ? scheduled : System.nanoTime();
            if (begin >= end) {
              return;
            }
            try {
              client.recommend(USER_PREFIX + ThreadLocalRandom.current().nextInt(users), k);
              recorder.recordValue(System.nanoTime() - begin);
            } catch (StatusRuntimeException e) {
              errors.computeIfAbsent(e.getStatus().getCode(), code -> new AtomicLong()).incrementAndGet();
            }
            scheduled += interval;
          }
        }));
      }
      for (Future<?> caller : running) {
        caller.get();
      }
    } finally {
      callers.shutdown();
    }
  }
}
