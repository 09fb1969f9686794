package io.recsys.loadtest.compare;

import io.recsys.client.RecsysClient;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.load.LoadGenerator;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.loadtest.process.MetricsScrape;
import io.recsys.loadtest.process.Ports;
import io.recsys.server.model.ItemSpaceSource;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.ServingModel;
import io.recsys.server.model.TopKSelection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code compare}: one workload, measured side by side in one run on one machine:
 *
 * <ol>
 *   <li>bare: the retrieval graph that ships ({@link TopKSelection#forDevice}: on the CPU, MatMul
 *       and block maxima, {@link TopKSelection#BLOCKED}) in an in-process ONNX Runtime session, batches of {@code --batch} users back to back on one
 *       thread (the server's batcher also has one), the same with batches of one (the most
 *       batching can gain on this machine), and the graph with ONNX Runtime's own TopK ({@link
 *       TopKSelection#FULL}, what shipped before);
 *   <li>the server, a child process as an operator runs it, end to end over gRPC with batching,
 *       closed loop at {@code --concurrency};
 *   <li>the same server with {@code --max-batch-size 1};
 *   <li>the batched server at concurrency 1 (p50 of an unloaded server), and open loop at half the
 *       batched peak (p99 at 50 % load).
 * </ol>
 *
 * Beside each server phase's QPS and latencies it prints what the server itself reports for that
 * phase alone (its metrics read before and after): the mean batch size, the GC pauses, and the
 * allocation rate and bytes per call, so a regression shows its cause. The catalog is {@code
 * --items} random unit vectors of {@code --dim} served as a vector catalog (no language model),
 * and every load user starts from a random vector. Learning is off: this compares serving, and
 * feedback-free load would otherwise feed it no-feedback rewards.
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

  @Option(names = "--max-queue-delay-us", description = "The server's --max-queue-delay-us (default: the server's).")
  Long maxQueueDelayMicros;

  @Option(names = "--server-arg", description = "A further argument for the server processes, repeatable (e.g. --server-arg=--queue-delay-mode=fixed).")
  List<String> serverArguments = new ArrayList<>();

  @Option(names = "--concurrency", description = "Closed-loop callers for the throughput phases (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int concurrency;

  @Option(names = "--duration", description = "Measured seconds per phase (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int duration;

  @Option(names = "--warmup", description = "Unmeasured seconds before each phase (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int warmup;

  @Option(
      names = "--server-warmup",
      description = "Unmeasured seconds of full load on each new server process before its first phase: its JIT compiler runs for 15-20 s after start, on the cores being measured (default: ${DEFAULT-VALUE}).",
      defaultValue = "25")
  int serverWarmup;

  @Option(names = "--device", description = "cpu, cuda or auto, for bare and server alike (default: ${DEFAULT-VALUE}).", defaultValue = "cpu")
  String device;

  @Option(names = "--onnx-spinning", description = "Idle ONNX Runtime threads spin, for bare and server alike (default: off, the server's default).")
  boolean onnxSpinning;

  @Option(names = "--seed", description = "Seed of the catalog and user vectors (default: ${DEFAULT-VALUE}).", defaultValue = "42")
  long seed;

  @Option(names = "--server-heap", description = "The server process's -Xmx (default: ${DEFAULT-VALUE}).", defaultValue = "2g")
  String serverHeap;

  @Option(
      names = "--server-jvm-option",
      description = "A JVM option for the server processes, repeatable (e.g. a profiler's -agentpath=...; the servers stop with SIGTERM so it can write its output).")
  List<String> serverJvmOptions = new ArrayList<>();

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

    Phase bare = bare(workload, batch, false);
    print("a) bare ONNX Runtime, batch " + batch, bare);
    Phase bareSingle = bare(workload, 1, false);
    print("a1) bare ONNX Runtime, batch 1", bareSingle);
    Phase bareOrtTopK = bare(workload, batch, true);
    print("a2) bare, ORT TopK, batch " + batch, bareOrtTopK);

    Phase batched;
    Phase idle;
    Phase halfLoad;
    try (Running server = start(workload, batch, "batched")) {
      batched = server.phase(concurrency, null);
      print("b) server, batching", batched);
      idle = server.phase(1, null);
      print("d) server, concurrency 1", idle);
      halfLoad = server.phase(concurrency, batched.qps() / 2);
      print(String.format(Locale.ROOT, "e) server, open loop %.0f/s", batched.qps() / 2), halfLoad);
    }
    Phase unbatched;
    try (Running server = start(workload, 1, "unbatched")) {
      unbatched = server.phase(concurrency, null);
      print("c) server, max-batch-size 1", unbatched);
    }

    double serverVsBare = batched.qps() / bare.qps();
    double serverVsOrtTopK = batched.qps() / bareOrtTopK.qps();
    double batchingGain = unbatched.qps() > 0 ? batched.qps() / unbatched.qps() : Double.NaN;
    double tailRatio = halfLoad.p99() / idle.p50();
    double graphBatchingGain = bare.qps() / bareSingle.qps();
    // What b would reach if the server added no CPU to the bare graph's: the cores shared by the
    // graph's CPU per user and the load generator's CPU per call, both measured here (an estimate:
    // the bare loop itself does not keep every core busy, so it can exceed 1).
    int cores = Runtime.getRuntime().availableProcessors();
    double ceilingQps = cores / (bare.cpuMillisPerCall() / 1e3 + batched.server().clientCpuMillisPerCall() / 1e3);
    System.out.printf(Locale.ROOT, "%nserver_vs_bare      %.2f  (b/a, target >= 0.6; %.2f for a server that added no CPU to the graph's %.3f ms a user and the load generator's %.3f ms a call)%n",
        serverVsBare, ceilingQps / bare.qps(), bare.cpuMillisPerCall(), batched.server().clientCpuMillisPerCall());
    System.out.printf(Locale.ROOT, "server_vs_ort_topk  %.2f  (b/a2, target >= 1.0; %.2f for such a server)%n", serverVsOrtTopK, ceilingQps / bareOrtTopK.qps());
    System.out.printf(Locale.ROOT, "batching_gain       %.2f  (b/c, target >= 3; the graph alone gains %.2f, a/a1)%n", batchingGain, graphBatchingGain);
    System.out.printf(Locale.ROOT, "p99 at 50%% load / p50 at concurrency 1  %.2f  (e/d, target <= 4), %d calls refused or failed at 50%% load%n",
        tailRatio, halfLoad.errors());
    if (json != null) {
      JsonReport report = new JsonReport()
          .put("server_vs_bare", serverVsBare)
          .put("server_vs_ort_topk", serverVsOrtTopK)
          .put("server_vs_bare_ceiling", ceilingQps / bare.qps())
          .put("server_vs_ort_topk_ceiling", ceilingQps / bareOrtTopK.qps())
          .put("batching_gain", batchingGain)
          .put("p99_half_load_vs_p50_c1", tailRatio)
          .put("server_half_load_errors", halfLoad.errors())
          .put("bare_batching_gain", graphBatchingGain)
          .put("items", items).put("dim", dim).put("candidates", candidates).put("k", k)
          .put("device", device).put("onnx_spinning", String.valueOf(onnxSpinning)).put("cores", Runtime.getRuntime().availableProcessors())
          .put("users", users).put("batch", batch).put("max_queue_delay_us", maxQueueDelayMicros == null ? "server default" : String.valueOf(maxQueueDelayMicros))
          .put("server_args", String.join(" ", serverArguments)).put("concurrency", concurrency).put("duration_s", duration);
      bare.into(report, "bare");
      bareSingle.into(report, "bare_batch1");
      bareOrtTopK.into(report, "bare_ort_topk");
      batched.into(report, "server_batched");
      unbatched.into(report, "server_unbatched");
      idle.into(report, "server_c1");
      halfLoad.into(report, "server_half_load");
      report.writeTo(json);
    }
    return 0;
  }

  /**
   * The retrieval graph alone: {@code batch} users per call, back to back, on this thread; with
   * the top-k the server ships for the device, or with ONNX Runtime's TopK.
   */
  private Phase bare(CompareWorkload workload, int batch, boolean ortTopK) {
    OnnxRuntime runtime = new OnnxRuntime(OnnxRuntime.Device.parse(device), Runtime.getRuntime().availableProcessors(), onnxSpinning);
    TopKSelection selection = ortTopK ? TopKSelection.FULL : TopKSelection.forDevice(runtime.deviceName());
    try (ModelRegistry models =
            new ModelRegistry(runtime, ItemSpaceSource.contentOnly(0.1f), "popularity prior", workload.catalog(), selection);
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
      long cpuStart = processCpuNanos();
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
      double cpuMillisPerUser = (processCpuNanos() - cpuStart) / 1e6 / (calls * batch);
      return new Phase(
          calls * batch / seconds, latencies.getValueAtPercentile(50) / 1e6, latencies.getValueAtPercentile(99) / 1e6, 0, "", null,
          cpuMillisPerUser);
    }
  }

  /** This process's CPU time: the load generator's, gRPC client included (or the bare graph's). */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  private static void deleteRecursively(Path directory) throws java.io.IOException {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** The server as a child process on this workload, learning off, its metrics on a free port. */
  private Running start(CompareWorkload workload, int maxBatchSize, String name) throws Exception {
    int metricsPort = Ports.free();
    List<String> arguments = new ArrayList<>(List.of(
        "--port", "0",
        "--metrics-port", String.valueOf(metricsPort),
        "--data-dir", workload.directory().resolve("data-" + name).toString(),
        "--catalog", workload.catalogFile().toString(),
        "--user-vectors", workload.userVectorsFile().toString(),
        "--device", device,
        "--candidates", String.valueOf(candidates),
        "--max-batch-size", String.valueOf(maxBatchSize),
        "--learning", "off"));
    if (maxQueueDelayMicros != null) {
      arguments.addAll(List.of("--max-queue-delay-us", String.valueOf(maxQueueDelayMicros)));
    }
    arguments.addAll(serverArguments);
    if (onnxSpinning) {
      arguments.add("--onnx-spinning");
    }
    ChildServer server = ChildServer.start(serverHeap, serverJvmOptions, arguments);
    try {
      int port = server.awaitServing(180);
      RecsysClient client = RecsysClient.builder("localhost:" + port).deadline(Duration.ofSeconds(5)).maxAttempts(1).build();
      LoadGenerator load = new LoadGenerator(client, users, k);
      if (serverWarmup > 0) {
        load.run(concurrency, null, serverWarmup, 1); // steady state: compiled, caches and heap sized
      }
      return new Running(server, client, load, metricsPort);
    } catch (Exception e) {
      System.err.println(server.tail(30));
      server.close();
      throw e;
    }
  }


  private final class Running implements AutoCloseable {
    private final ChildServer server;
    private final RecsysClient client;
    private final LoadGenerator load;
    private final int metricsPort;

    Running(ChildServer server, RecsysClient client, LoadGenerator load, int metricsPort) {
      this.server = server;
      this.client = client;
      this.load = load;
      this.metricsPort = metricsPort;
    }

    /** One measured phase, with what the server reports for exactly its measured seconds. */
    Phase phase(int callers, Double rate) throws Exception {
      AtomicReference<MetricsScrape> before = new AtomicReference<>();
      long[] startNanos = new long[2];
      LoadGenerator.Result result =
          load.run(callers, rate, warmup, duration, () -> {
            before.set(scrape());
            startNanos[0] = System.nanoTime();
            startNanos[1] = processCpuNanos();
          });
      MetricsScrape after = scrape();
      double clientCpuSeconds = (processCpuNanos() - startNanos[1]) / 1e9;
      double seconds = (System.nanoTime() - startNanos[0]) / 1e9;
      return Phase.of(result, ServerSide.between(before.get(), after, seconds, clientCpuSeconds));
    }

    private MetricsScrape scrape() {
      try {
        return MetricsScrape.of(metricsPort);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() throws InterruptedException {
      client.close();
      try {
        server.terminate(60); // graceful, so a profiler agent in the server writes its output
      } finally {
        server.close();
      }
    }
  }

  /**
   * What the server reported for one phase: its batcher's batches, the calls in them, how long
   * they queued and how long a batch took, its GC pauses, the bytes it allocated and the CPU it
   * used, as differences over the phase; beside the CPU the load generator (this process) used.
   */
  record ServerSide(
      double meanBatch,
      double queueMillisPerCall,
      double workMillisPerBatch,
      double gcPauseMillis,
      long gcPauses,
      double allocatedMegabytesPerSecond,
      double allocatedKilobytesPerCall,
      double cpuMillisPerCall,
      double clientCpuMillisPerCall) {
    static ServerSide between(MetricsScrape before, MetricsScrape after, double seconds, double clientCpuSeconds) {
      double batches = delta(before, after, "recsys_recommend_batches_total");
      double batched = delta(before, after, "recsys_recommend_batched_requests_total");
      String recommend = "method=\"Recommend\"";
      double calls =
          after.sum("grpc_server_processing_duration_seconds_count", recommend)
              - before.sum("grpc_server_processing_duration_seconds_count", recommend);
      double allocated = delta(before, after, "recsys_jvm_allocated_bytes_total");
      return new ServerSide(
          batches == 0 ? 1 : batched / batches, // no batcher: every call is its own batch
          batched == 0 ? 0 : delta(before, after, "recsys_recommend_queue_delay_seconds_total") * 1e3 / batched,
          batches == 0 ? Double.NaN : delta(before, after, "recsys_recommend_batch_work_seconds_total") * 1e3 / batches,
          delta(before, after, "jvm_gc_pause_seconds_sum") * 1e3,
          (long) delta(before, after, "jvm_gc_pause_seconds_count"),
          allocated / seconds / 1e6,
          calls == 0 ? Double.NaN : allocated / calls / 1e3,
          calls == 0 ? Double.NaN : delta(before, after, "recsys_process_cpu_seconds_total") * 1e3 / calls,
          calls == 0 ? Double.NaN : clientCpuSeconds * 1e3 / calls);
    }

    private static double delta(MetricsScrape before, MetricsScrape after, String name) {
      return after.sum(name) - before.sum(name);
    }
  }

  /** Throughput and latency of one phase (for bare, latency is per batch call), and the server's side of it. */
  /** @param cpuMillisPerCall bare: this process's CPU per user; a server phase: the server's per call */
  private record Phase(double qps, double p50, double p99, long errors, String errorCodes, ServerSide server, double cpuMillisPerCall) {
    static Phase of(LoadGenerator.Result result, ServerSide server) {
      return new Phase(
          result.qps(), result.millis(50), result.millis(99), result.errorCount(), result.errors().toString(), server, server.cpuMillisPerCall());
    }

    void into(JsonReport report, String prefix) {
      report.put(prefix + "_qps", qps).put(prefix + "_p50_ms", p50).put(prefix + "_p99_ms", p99).put(prefix + "_errors", errors)
          .put(prefix + "_cpu_ms_per_call", cpuMillisPerCall);
      if (server != null) {
        report.put(prefix + "_mean_batch", server.meanBatch())
            .put(prefix + "_queue_ms_per_call", server.queueMillisPerCall())
            .put(prefix + "_work_ms_per_batch", server.workMillisPerBatch())
            .put(prefix + "_client_cpu_ms_per_call", server.clientCpuMillisPerCall())
            .put(prefix + "_gc_pause_ms", server.gcPauseMillis())
            .put(prefix + "_gc_pauses", server.gcPauses())
            .put(prefix + "_alloc_mb_per_s", server.allocatedMegabytesPerSecond())
            .put(prefix + "_alloc_kb_per_call", server.allocatedKilobytesPerCall());
      }
    }
  }

  private static void print(String name, Phase phase) {
    System.out.printf(Locale.ROOT, "%-32s %8.0f QPS  p50 %7.2f ms  p99 %7.2f ms  errors %d%s",
        name, phase.qps(), phase.p50(), phase.p99(), phase.errors(), phase.errors() == 0 ? "" : " " + phase.errorCodes());
    ServerSide server = phase.server();
    if (server == null) {
      System.out.printf(Locale.ROOT, "  | CPU a user %.3f ms", phase.cpuMillisPerCall());
    } else {
      System.out.printf(Locale.ROOT, "  | batch %.1f (queued %.2f ms, %.2f ms a batch)  GC %d pauses %.0f ms  alloc %.0f MB/s %.1f KB/call  CPU a call %.3f ms server %.3f ms client",
          server.meanBatch(), server.queueMillisPerCall(), server.workMillisPerBatch(), server.gcPauses(), server.gcPauseMillis(),
          server.allocatedMegabytesPerSecond(), server.allocatedKilobytesPerCall(), server.cpuMillisPerCall(), server.clientCpuMillisPerCall());
    }
    System.out.println();
  }
}
