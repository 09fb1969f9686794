package io.recsys.loadtest.erasure;

import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.loadtest.restart.LogShape;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.v1.RecommendResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What ExportUser and ForgetUser cost on a large feedback log, and what serving pays meanwhile:
 * a log of millions of records is written into a stopped server's data dir, the server starts as a
 * child process, a probe serves a list and reports a click on it every {@code --probe-interval-ms}
 * (the ack comes once the click is durable), and the bench times an export and an erasure of a
 * user whose records are spread over the whole log, then the no-op erasures (the same user again,
 * a stranger). The probe's ack latency while each call runs shows how long appends waited.
 */
@Command(name = "erasure-bench", mixinStandardHelpOptions = true, description = "ExportUser and ForgetUser on a large log, with the feedback ack latency they cause.")
public final class ErasureBenchCommand implements Callable<Integer> {
  @Option(names = "--events", description = "Log records written before the start (default: ${DEFAULT-VALUE}).", defaultValue = "1000000")
  long events;

  @Mixin LogShape shape = new LogShape();

  @Option(names = "--probe-interval-ms", description = "Pause between the probe's list-and-click rounds (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  long probeIntervalMs;

  @Option(names = "--steady-seconds", description = "Probe-only phases before and after the calls (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int steadySeconds;

  @Option(names = "--heap", description = "The server's -Xmx (default: ${DEFAULT-VALUE}).", defaultValue = "4g")
  String heap;

  @Option(names = "--dir", description = "Where the data dir goes (default: a new temp dir).")
  Path dir;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  private static final int K = LogShape.K;
  /** Why the probe stopped early (a click not accepted), or empty. */
  private String probeFailure = "";
  private static final Duration CALL_DEADLINE = Duration.ofMinutes(10);
  /** Spread over the whole log: LogWriter draws every list's user uniformly. */
  private static final String USER = "user-7";

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("recsys-erasure-");
    Path catalog = root.resolve("catalog.csv");
    shape.writeCatalog(catalog);
    Path data = root.resolve("data");
    long written = System.nanoTime();
    shape.writerEndingNow(events).append(data.resolve("feedback-log"), events);
    long logBytes = bytesUnder(data.resolve("feedback-log"));
    System.out.printf(Locale.ROOT, "Wrote %,d log records (%,d MiB) in %.1f s%n", events, logBytes >> 20, (System.nanoTime() - written) / 1e9);

    List<String> serve = List.of("--port", "0", "--data-dir", data.toString(), "--catalog", catalog.toString(), "--metrics-port", "-1");
    List<Step> steps = new ArrayList<>();
    try (ChildServer server = ChildServer.start(heap, serve)) {
      int port = server.awaitServing(3_600); // the first start replays the whole log
      try (RecsysClient client = server.client();
          RecsysClient admin = RecsysClient.builder("localhost:" + port).deadline(CALL_DEADLINE).maxAttempts(1).build()) {
        measure(server, client, admin, steps);
      }
    }

    System.out.printf(Locale.ROOT, "%nExportUser and ForgetUser on a %,d-record log (%,d MiB, %,d users), a click acknowledged every %d ms meanwhile%n",
        events, logBytes >> 20, shape.users, probeIntervalMs);
    System.out.printf(Locale.ROOT, "%-40s %9s %8s %10s %10s %9s  %s%n", "call", "took, s", "acks", "ack p50 ms", "ack max ms", "refused", "result");
    for (Step step : steps) {
      System.out.printf(Locale.ROOT, "%-40s %9.2f %8d %10.1f %10.1f %9d  %s%n",
          step.name, step.seconds, step.acks.getTotalCount(), step.acks.getValueAtPercentile(50) / 1e6, step.acks.getMaxValue() / 1e6, step.refused, step.result);
    }
    if (json != null) {
      JsonReport report = new JsonReport().put("events", events).put("log_mib", logBytes >> 20).put("users", shape.users)
          .put("probe_failure", probeFailure);
      for (Step step : steps) {
        report.put(step.key + "_seconds", step.seconds).put(step.key + "_acks", step.acks.getTotalCount())
            .put(step.key + "_ack_max_ms", step.acks.getMaxValue() / 1e6).put(step.key + "_refused", step.refused).put(step.key + "_result", step.result);
      }
      report.writeTo(json);
    }
    return probeFailure.isEmpty() ? 0 : 1; // a click refused during the calls is a failure, not a number
  }

  /** The timed calls, each with the probe's acks while it ran. */
  private void measure(ChildServer server, RecsysClient client, RecsysClient admin, List<Step> steps) throws Exception {
    System.out.printf(Locale.ROOT, "Serving after %.1f s (the whole log replayed)%n", server.secondsToServe());
    Probe probe = new Probe(client, probeIntervalMs);
    Thread probing = new Thread(probe, "probe");
    probing.start();
    try {
      steps.add(probe.measure("steady", "steady (no call)", () -> {
        Thread.sleep(steadySeconds * 1_000L);
        return "";
      }));
      steps.add(probe.measure("export", "ExportUser " + USER, () -> {
        ExportUserResponse export = admin.exportUser(USER, CALL_DEADLINE);
        return export.getImpressionsCount() + " lists, " + export.getLoggedReactionsCount() + " reactions";
      }));
      steps.add(probe.measure("forget", "ForgetUser " + USER, () -> forget(admin, USER)));
    // What the erasure's time went to, in the server's words: the fresh snapshot, the erasure.
    for (String said : List.of("replaces the", "MiB) in ", "Forgot a user")) {
      String line = server.lastLineContaining(said);
      if (line != null) {
        System.out.println("  server: " + line.substring(line.indexOf(" - ") + 3));
      }
    }
      steps.add(probe.measure("forget_again", "ForgetUser " + USER + " again (no-op)", () -> forget(admin, USER)));
      steps.add(probe.measure("forget_stranger", "ForgetUser of a stranger (no-op)", () -> forget(admin, "nobody-at-all")));
      steps.add(probe.measure("steady_after", "steady after", () -> {
        Thread.sleep(steadySeconds * 1_000L);
        return "";
      }));
    } finally {
      probe.stop();
      probing.join(60_000);
    }
    if (probe.failure.get() != null) {
      probeFailure = probe.failure.get().toString();
      System.out.println("The probe stopped on: " + probeFailure);
    }
  }

  private static String forget(RecsysClient admin, String user) {
    ForgetUserResponse forgotten = admin.forgetUser(user, CALL_DEADLINE);
    return forgotten.getFound() ? forgotten.getLogRecordsRemoved() + " log records erased" : "nothing found";
  }

  private record Step(String key, String name, double seconds, Histogram acks, long refused, String result) {}

  /** Serves a list and reports a click on it, in a loop; each ack's latency goes to the step that runs. */
  private static final class Probe implements Runnable {
    private final RecsysClient client;
    private final long intervalMs;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Histogram> current = new AtomicReference<>(new Histogram(3));
    private final AtomicLong refused = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private long round;

    Probe(RecsysClient client, long intervalMs) {
      this.client = client;
      this.intervalMs = intervalMs;
    }

    Step measure(String key, String name, Callable<String> call) throws Exception {
      Histogram acks = new Histogram(3);
      current.set(acks);
      long before = refused.get();
      long begin = System.nanoTime();
      String result = call.call();
      double seconds = (System.nanoTime() - begin) / 1e9;
      current.set(new Histogram(3));
      synchronized (acks) {
        return new Step(key, name, seconds, acks.copy(), refused.get() - before, result);
      }
    }

    void stop() {
      running.set(false);
    }

    @Override
    public void run() {
      while (running.get()) {
        String user = "probe-" + (round++ % 1_000);
        try {
          RecommendResponse list = client.recommend(user, K);
          Histogram into = current.get();
          long begin = System.nanoTime();
          FeedbackAck ack = client.reportFeedback(FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId(user)
              .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build());
          long took = System.nanoTime() - begin;
          if (ack.getStatus() != FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
            throw new IllegalStateException("the probe's click was not accepted: " + ack.getStatus() + " " + ack.getReason());
          }
          synchronized (into) {
            into.recordValue(took);
          }
        } catch (StatusRuntimeException e) {
          refused.incrementAndGet();
        } catch (RuntimeException e) {
          failure.set(e);
          return;
        }
        try {
          Thread.sleep(intervalMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static long bytesUnder(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
