package io.recsys.loadtest.swap;

import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import io.recsys.server.learning.ModelStore;
import io.recsys.server.learning.QNetwork;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.PinModelVersionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code swap-bench}: Recommend latency under steady load with a model swap every second (two
 * stored Q-network versions pinned in turn through the Admin API, each pin a new ONNX session)
 * against the same load with no swaps, alternating phases in one run.
 */
@Command(name = "swap-bench", mixinStandardHelpOptions = true, description = "Recommend p99 with a hot swap every second vs none.")
public final class SwapBenchCommand implements Callable<Integer> {
  @Option(names = "--concurrency", description = "Client threads in a closed loop (default: ${DEFAULT-VALUE}).", defaultValue = "4")
  int concurrency;

  @Option(names = "--phase-seconds", description = "Seconds per phase; phases alternate 'none', 'swaps' twice (default: ${DEFAULT-VALUE}).", defaultValue = "15")
  int phaseSeconds;

  @Option(names = "--items", description = "Catalog size (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
  int items;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("recsys-swap-");
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), InProcessServer.generatedCatalog(items));
    Path dataDir = dir.resolve("data");
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(384, 32, 64, 32, 2));
      store.record(new ModelVersionInfo("v2", ModelVersionInfo.State.RETIRED, Instant.now(), "swap-bench version A"));
      store.saveWeights("v3", QNetwork.initialised(384, 32, 64, 32, 3));
      store.record(new ModelVersionInfo("v3", ModelVersionInfo.State.LIVE, Instant.now(), "swap-bench version B"));
    }
    RecsysServer server = RecsysServer.start(ServerConfig.defaults(dataDir).withPort(0).withCatalogFile(catalog));
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).maxAttempts(1).build()) {
      var admin = AdminServiceGrpc.newBlockingStub(client.channel());
      admin.pinModelVersion(PinModelVersionRequest.newBuilder().setVersion("v3").build()); // pauses training
      Histogram none = new Histogram(60_000_000_000L, 3);
      Histogram swaps = new Histogram(60_000_000_000L, 3);
      AtomicLong failures = new AtomicLong();
      AtomicLong swapCount = new AtomicLong();
      run(client, none, failures, Duration.ofSeconds(5), null, swapCount); // warm-up, discarded
      none.reset();
      for (int round = 0; round < 2; round++) {
        run(client, none, failures, Duration.ofSeconds(phaseSeconds), null, swapCount);
        run(client, swaps, failures, Duration.ofSeconds(phaseSeconds), admin, swapCount);
      }
      double ratio = (double) swaps.getValueAtPercentile(99) / none.getValueAtPercentile(99);
      System.out.printf(Locale.ROOT, "%-22s %10s %10s %10s %10s %8s%n", "phase", "calls", "p50 ms", "p99 ms", "p99.9 ms", "failed");
      print("no swaps", none, 0);
      print("swap every second", swaps, failures.get());
      System.out.printf(Locale.ROOT, "swaps: %d; p99 ratio (swaps / none): %.2f%n", swapCount.get(), ratio);
      if (json != null) {
        new JsonReport()
            .put("concurrency", concurrency)
            .put("swaps", swapCount.get())
            .put("failed_calls", failures.get())
            .put("p50_ms_none", none.getValueAtPercentile(50) / 1e6)
            .put("p99_ms_none", none.getValueAtPercentile(99) / 1e6)
            .put("p50_ms_swaps", swaps.getValueAtPercentile(50) / 1e6)
            .put("p99_ms_swaps", swaps.getValueAtPercentile(99) / 1e6)
            .put("p99_ratio", ratio)
            .writeTo(json);
      }
      return failures.get() == 0 ? 0 : 1;
    } finally {
      server.stop();
    }
  }

  private void run(
      RecsysClient client, Histogram latencies, AtomicLong failures, Duration length,
      AdminServiceGrpc.AdminServiceBlockingStub admin, AtomicLong swapCount) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(concurrency + 1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      workers.add(threads.submit(() -> {
        while (running.get()) {
          long start = System.nanoTime();
          try {
            client.recommend("user-" + ThreadLocalRandom.current().nextInt(10_000), 10);
            synchronized (latencies) {
              latencies.recordValue(System.nanoTime() - start);
            }
          } catch (StatusRuntimeException e) {
            failures.incrementAndGet();
          }
        }
      }));
    }
    if (admin != null) {
      workers.add(threads.submit(() -> {
        int next = 2;
        while (running.get()) {
          admin.pinModelVersion(PinModelVersionRequest.newBuilder().setVersion("v" + next).build());
          swapCount.incrementAndGet();
          next = next == 2 ? 3 : 2;
          try {
            Thread.sleep(1_000);
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    Thread.sleep(length.toMillis());
    running.set(false);
    for (Future<?> worker : workers) {
      worker.get();
    }
    threads.shutdown();
  }

  private static void print(String phase, Histogram h, long failed) {
    System.out.printf(Locale.ROOT, "%-22s %10d %10.2f %10.2f %10.2f %8d%n", phase, h.getTotalCount(),
        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, failed);
  }
}
