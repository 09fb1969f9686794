package io.recsys.loadtest.compare;

import io.recsys.client.RecsysClient;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.load.LoadGenerator;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.ServingModel;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code compare}: one workload, measured side by side in one run on one machine:
 *
 * <ol>
 *   <li>bare: the retrieval graph in an in-process ONNX Runtime session, batches of {@code
 *       --batch} users back to back on one thread (the server's batcher also has one), and the
 *       same with batches of one: the most batching can gain on this machine;
 *   <li>the server end to end over gRPC with batching, closed loop at {@code --concurrency};
 *   <li>the same server with {@code --max-batch-size 1};
 *   <li>the batched server at concurrency 1 (p50 of an unloaded server), and open loop at half the
 *       batched peak (p99 at 50 % load).
 * </ol>
 *
 * The catalog is {@code --items} random unit vectors of {@code --dim} served as a vector catalog
 * (no language model), and every load user starts from a random vector. The trainer is off: this
 * compares serving, and feedback-free load would otherwise feed it no-feedback rewards.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Bare ONNX Runtime vs the server with and without batching, side by side in one run.")
public final class CompareCommand implements Callable<Integer> {
  @Option(names = "--items", description = "Catalog size (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
  int items;

  @Option(names = "--dim", description = "Vector dimension (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int dim;

  @Option(names = "--candidates", description = "Retrieval candidates N per list (default: ${DEFAULT-VALUE}).", defaultValue = "200")
  int candidates;

  @Option(names = "--k", description = "Items per list (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int k;

  @Option(names = "--users", description = "Distinct users, each with a random starting vector (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
  int users;

  @Option(names = "--batch", description = "Bare batch size and the server's --max-batch-size (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int batch;

  @Option(names = "--max-queue-delay-us", description = "The server's --max-queue-delay-us (default: ${DEFAULT-VALUE}, the server's).", defaultValue = "0")
  long maxQueueDelayMicros;

  @Option(names = "--concurrency", description = "Closed-loop callers for the throughput phases (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int concurrency;

  @Option(names = "--duration", description = "Measured seconds per phase (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int duration;

  @Option(names = "--warmup", description = "Unmeasured seconds before each phase (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int warmup;

  @Option(names = "--device", description = "cpu, cuda or auto, for bare and server alike (default: ${DEFAULT-VALUE}).", defaultValue = "cpu")
  String device;

  @Option(names = "--onnx-spinning", description = "Idle ONNX Runtime threads spin, for bare and server alike (default: off, the server's default).")
  boolean onnxSpinning;

  @Option(names = "--seed", description = "Seed of the catalog and user vectors (default: ${DEFAULT-VALUE}).", defaultValue = "42")
  long seed;

  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("recsys-compare-");
    try {
      return compare(CompareWorkload.generate(items, dim, users, seed, directory));
    } finally {
      deleteRecursively(directory); // tens of MB of generated files and two data dirs
    }
  }

  private int compare(CompareWorkload workload) throws Exception {
    System.out.printf(Locale.ROOT, "Workload: %,d items x %d-d, N=%d candidates, top-%d, %,d users, batch %d, concurrency %d, %d s per phase, device %s, %d cores%n",
        items, dim, candidates, k, users, batch, concurrency, duration, device, Runtime.getRuntime().availableProcessors());

    Phase bare = bare(workload, batch);
    print("a) bare ONNX Runtime, batch " + batch, bare);
    Phase bareSingle = bare(workload, 1);
    print("a1) bare ONNX Runtime, batch 1", bareSingle);

    Phase batched;
    Phase idle;
    Phase halfLoad;
    try (Running server = start(workload, batch, "batched")) {
      LoadGenerator load = server.load();
      batched = Phase.of(load.run(concurrency, null, warmup, duration));
      print("b) server, batching", batched);
      idle = Phase.of(load.run(1, null, warmup, duration));
      print("d) server, concurrency 1", idle);
      halfLoad = Phase.of(load.run(concurrency, batched.qps() / 2, warmup, duration));
      print(String.format(Locale.ROOT, "e) server, open loop %.0f/s", batched.qps() / 2), halfLoad);
    }
    Phase unbatched;
    try (Running server = start(workload, 1, "unbatched")) {
      unbatched = Phase.of(server.load().run(concurrency, null, warmup, duration));
      print("c) server, max-batch-size 1", unbatched);
    }

    double serverVsBare = batched.qps() / bare.qps();
    double batchingGain = unbatched.qps() > 0 ? batched.qps() / unbatched.qps() : Double.NaN;
    double tailRatio = halfLoad.p99() / idle.p50();
    double graphBatchingGain = bare.qps() / bareSingle.qps();
    System.out.printf(Locale.ROOT, "%nserver_vs_bare  %.2f  (b/a, target >= 0.6)%n", serverVsBare);
    System.out.printf(Locale.ROOT, "batching_gain   %.2f  (b/c, target >= 5; the graph alone gains %.2f, a/a1)%n", batchingGain, graphBatchingGain);
    System.out.printf(Locale.ROOT, "p99 at 50%% load / p50 at concurrency 1  %.2f  (e/d, target <= 4)%n", tailRatio);
    if (json != null) {
      JsonReport report = new JsonReport()
          .put("server_vs_bare", serverVsBare)
          .put("batching_gain", batchingGain)
          .put("p99_half_load_vs_p50_c1", tailRatio)
          .put("bare_batching_gain", graphBatchingGain)
          .put("items", items).put("dim", dim).put("candidates", candidates).put("k", k)
          .put("device", device).put("onnx_spinning", String.valueOf(onnxSpinning)).put("cores", Runtime.getRuntime().availableProcessors())
          .put("users", users).put("batch", batch).put("max_queue_delay_us", maxQueueDelayMicros).put("concurrency", concurrency).put("duration_s", duration);
      bare.into(report, "bare");
      bareSingle.into(report, "bare_batch1");
      batched.into(report, "server_batched");
      unbatched.into(report, "server_unbatched");
      idle.into(report, "server_c1");
      halfLoad.into(report, "server_half_load");
      report.writeTo(json);
    }
    return 0;
  }

  /** The retrieval graph alone: {@code batch} users per call, back to back, on this thread. */
  private Phase bare(CompareWorkload workload, int batch) {
    OnnxRuntime runtime = new OnnxRuntime(OnnxRuntime.Device.parse(device), Runtime.getRuntime().availableProcessors(), onnxSpinning);
    try (ModelRegistry models = new ModelRegistry(runtime, 0.1f, workload.catalog());
        ServingModel.Lease lease = models.acquire()) {
      var retrieval = lease.model().retrieval();
      float[] states = new float[batch * dim];
      Histogram latencies = new Histogram(3);
      long warmupEnd = System.nanoTime() + warmup * 1_000_000_000L;
      int next = 0;
      while (System.nanoTime() < warmupEnd) {
        next = workload.fillStates(states, batch, next);
        retrieval.topK(states, batch, candidates);
      }
      long calls = 0;
      long start = System.nanoTime();
      long end = start + duration * 1_000_000_000L;
      long now = start;
      while (now < end) {
        next = workload.fillStates(states, batch, next);
        retrieval.topK(states, batch, candidates);
        long done = System.nanoTime();
        latencies.recordValue(done - now);
        now = done;
        calls++;
      }
      double seconds = (now - start) / 1e9;
      return new Phase(calls * batch / seconds, latencies.getValueAtPercentile(50) / 1e6, latencies.getValueAtPercentile(99) / 1e6, 0);
    }
  }

  private static void deleteRecursively(Path directory) throws java.io.IOException {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private Running start(CompareWorkload workload, int maxBatchSize, String name) throws Exception {
    Path dataDir = workload.directory().resolve("data-" + name);
    ServerConfig defaults = ServerConfig.defaults(dataDir);
    ServerConfig config =
        defaults
            .withPort(0)
            .withDevice(OnnxRuntime.Device.parse(device))
            .withOnnxSpinning(onnxSpinning)
            .withCatalogFile(workload.catalogFile())
            .withUserVectorsFile(workload.userVectorsFile())
            .withCandidates(candidates)
            .withBatching(maxBatchSize, Duration.ofNanos(maxQueueDelayMicros * 1_000))
            .withMaxConcurrentScoring(Math.max(defaults.maxConcurrentScoring(), concurrency))
            .withFeedback(defaults.feedback().withLearning(false));
    RecsysServer server = RecsysServer.start(config);
    try {
      RecsysClient client =
          RecsysClient.builder("localhost:" + server.port()).deadline(Duration.ofSeconds(5)).maxAttempts(1).build();
      return new Running(server, client, new LoadGenerator(client, users, k));
    } catch (RuntimeException e) {
      server.stop();
      throw e;
    }
  }

  private record Running(RecsysServer server, RecsysClient client, LoadGenerator load) implements AutoCloseable {
    @Override
    public void close() {
      client.close();
      server.stop();
    }
  }

  /** Throughput and latency of one phase; for bare, latency is per batch call. */
  private record Phase(double qps, double p50, double p99, long errors, String errorCodes) {
    Phase(double qps, double p50, double p99, long errors) {
      this(qps, p50, p99, errors, "");
    }

    static Phase of(LoadGenerator.Result result) {
      return new Phase(result.qps(), result.millis(50), result.millis(99), result.errorCount(), result.errors().toString());
    }

    void into(JsonReport report, String prefix) {
      report.put(prefix + "_qps", qps).put(prefix + "_p50_ms", p50).put(prefix + "_p99_ms", p99).put(prefix + "_errors", errors);
    }
  }

  private static void print(String name, Phase phase) {
    System.out.printf(Locale.ROOT, "%-32s %10.0f QPS  p50 %7.2f ms  p99 %7.2f ms  errors %d %s%n",
        name, phase.qps(), phase.p50(), phase.p99(), phase.errors(), phase.errors() == 0 ? "" : phase.errorCodes());
  }
}
