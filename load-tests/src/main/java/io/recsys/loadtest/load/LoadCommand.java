package io.recsys.loadtest.load;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code load}: Recommend under load, closed loop ({@code --concurrency} callers back to back) or
 * open loop ({@code --rate} calls per second spread over the callers, latency measured from each
 * call's scheduled start so queueing shows). Prints QPS, p50/p90/p99/p99.9 and errors by status.
 */
@Command(name = "load", mixinStandardHelpOptions = true, description = "gRPC load generator for Recommend.")
public final class LoadCommand implements Callable<Integer> {
  @Option(names = "--target", description = "Server host:port; default: start one in-process (see --items, --server-max-batch-size).")
  String target;

  @Option(names = "--concurrency", description = "Concurrent callers (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int concurrency;

  @Option(names = "--duration", description = "Measured seconds (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int duration;

  @Option(names = "--warmup", description = "Unmeasured seconds first (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int warmup;

  @Option(names = "--rate", description = "Open loop: calls per second in all; default: closed loop.")
  Double rate;

  @Option(names = "--users", description = "Distinct user ids (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
  int users;

  @Option(names = "--k", description = "Items per list (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int k;

  @Option(names = "--items", description = "In-process server's generated catalog size (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
  int items;

  @Option(names = "--server-max-batch-size", description = "In-process server's --max-batch-size (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int serverMaxBatch;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    InProcessServer local = target == null ? InProcessServer.startGenerated(items, serverMaxBatch) : null;
    try (RecsysClient client =
        RecsysClient.builder(target != null ? target : local.target()).deadline(Duration.ofSeconds(5)).maxAttempts(1).build()) {
      Recorder recorder = new Recorder(3);
      Map<Status.Code, AtomicLong> errors = new ConcurrentHashMap<>();
      run(client, recorder, errors, warmup);
      recorder.getIntervalHistogram(); // drop the warm-up
      errors.clear();
      long start = System.nanoTime();
      run(client, recorder, errors, duration);
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram h = recorder.getIntervalHistogram();
      double qps = h.getTotalCount() / seconds;
      System.out.printf(Locale.ROOT, "%-10s %10s %9s %9s %9s %9s %9s%n", "mode", "QPS", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "errors");
      System.out.printf(Locale.ROOT, "%-10s %10.0f %9.2f %9.2f %9.2f %9.2f %9d%n",
          rate == null ? "closed" : "open", qps, ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
          errors.values().stream().mapToLong(AtomicLong::get).sum());
      errors.forEach((code, count) -> System.out.printf("  %s: %d%n", code, count.get()));
      if (json != null) {
        JsonReport report = new JsonReport()
            .put("mode", rate == null ? "closed" : "open")
            .put("concurrency", concurrency)
            .put("qps", qps)
            .put("p50_ms", ms(h, 50))
            .put("p90_ms", ms(h, 90))
            .put("p99_ms", ms(h, 99))
            .put("p999_ms", ms(h, 99.9));
        errors.forEach((code, count) -> report.put("errors_" + code.name().toLowerCase(Locale.ROOT), count.get()));
        report.writeTo(json);
      }
      return 0;
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  private void run(RecsysClient client, Recorder recorder, Map<Status.Code, AtomicLong> errors, int seconds) throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    ExecutorService callers = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> running = new ArrayList<>();
    long interval = rate == null ? 0 : (long) (1e9 * concurrency / rate); // per caller, open loop
    for (int c = 0; c < concurrency; c++) {
      long offset = interval == 0 ? 0 : ThreadLocalRandom.current().nextLong(interval);
      running.add(callers.submit(() -> {
        long scheduled = System.nanoTime() + offset;
        while (true) {
          if (interval > 0) {
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
          long begin = interval > 0 ? scheduled : System.nanoTime();
          if (begin >= end) {
            return;
          }
          try {
            client.recommend("load-user-" + ThreadLocalRandom.current().nextInt(users), k);
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
    callers.shutdown();
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1e6;
  }
}
