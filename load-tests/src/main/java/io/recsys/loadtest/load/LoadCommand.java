package io.recsys.loadtest.load;

import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import io.recsys.v1.RecommendRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code load}: Recommend under load, closed loop ({@code --concurrency} calls in flight, each
 * answer starting the next) or open loop ({@code --rate} calls per second, latency measured from
 * each call's scheduled start so queueing shows). Prints QPS, p50/p90/p99/p99.9 and errors by
 * status. See {@link LoadGenerator}.
 */
@Command(name = "load", mixinStandardHelpOptions = true, description = "gRPC load generator for Recommend.")
public final class LoadCommand implements Callable<Integer> {
  @Option(names = "--target", description = "Server host:port; default: start one in-process (see --items, --server-max-batch-size).")
  String target;

  @Option(names = "--concurrency", description = "Calls in flight, closed loop (default: ${DEFAULT-VALUE}).", defaultValue = "64")
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

  @Option(names = "--explain", description = "Every request asks for explanations (RecommendRequest.explain).")
  boolean explain;

  @Option(names = "--diversity", description = "Every request's diversity, 0 to 1 (default: ${DEFAULT-VALUE}).", defaultValue = "0")
  float diversity;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    InProcessServer local = target == null ? InProcessServer.startGenerated(items, serverMaxBatch) : null;
    try (RecsysClient client =
        RecsysClient.builder(target != null ? target : local.target()).deadline(Duration.ofSeconds(5)).maxAttempts(1).build()) {
      LoadGenerator.Result result = new LoadGenerator(client, users, k, RecommendRequest.newBuilder().setExplain(explain).setDiversity(diversity).build()).run(concurrency, rate, warmup, duration);
      System.out.printf(Locale.ROOT, "%-10s %s%n", "mode", LoadGenerator.Result.header());
      System.out.printf(Locale.ROOT, "%-10s %s%n", result.mode(), result.row());
      result.errors().forEach((code, count) -> System.out.printf("  %s: %d%n", code, count));
      if (json != null) {
        JsonReport report = new JsonReport()
            .put("mode", result.mode())
            .put("concurrency", concurrency)
            .put("explain", explain)
            .put("diversity", diversity)
            .put("qps", result.qps())
            .put("p50_ms", result.millis(50))
            .put("p90_ms", result.millis(90))
            .put("p99_ms", result.millis(99))
            .put("p999_ms", result.millis(99.9));
        result.errors().forEach((code, count) -> report.put("errors_" + code.toLowerCase(Locale.ROOT), count));
        report.writeTo(json);
      }
      return 0;
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }
}
