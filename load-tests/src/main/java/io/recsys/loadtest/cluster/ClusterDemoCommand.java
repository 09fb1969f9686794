package io.recsys.loadtest.cluster;

import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.kafka.SingleNodeKafka;
import io.recsys.loadtest.kafka.TopicRecords;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cluster-demo}: the many-node topology on one machine. A single-node Kafka (KRaft, from
 * the Maven artifacts), one trainer and two serving replicas on one feedback topic and one shared
 * model store. Lists come from replica B, the reactions to them go to replica A; each reaction's
 * read-your-feedback lag is the time from A's acknowledgement until B has applied it (B's durable
 * count reaches it). At the end the topic is read from outside: every acknowledged reaction must be
 * in it exactly once. Model versions the trainer publishes are timed until both replicas serve them.
 */
@Command(
    name = "cluster-demo",
    mixinStandardHelpOptions = true,
    description = "Kafka + a trainer + two replicas on this machine: cross-replica read-your-feedback lag, events lost, model propagation.")
public final class ClusterDemoCommand implements Callable<Integer> {
  private static final String TOPIC = "recsys-cluster-demo";

  @Option(names = "--duration", description = "Seconds of reactions through replica A (default: ${DEFAULT-VALUE}).", defaultValue = "30")
  int durationSeconds;

  @Option(names = "--model-timeout", description = "Seconds to go on past --duration waiting for a first model version (default: ${DEFAULT-VALUE}).", defaultValue = "120")
  int modelTimeoutSeconds;

  @Option(names = "--load-threads", description = "Closed-loop Recommend callers on replica B besides the probe (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  int loadThreads;

  @Option(
      names = "--scale-seconds",
      description = "Then Recommend QPS from 8 closed-loop callers on B alone, and 4 + 4 on A and B, this long each; 0 skips (default: ${DEFAULT-VALUE}).",
      defaultValue = "10")
  int scaleSeconds;

  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("recsys-cluster-");
    try {
      return run(dir);
    } finally {
      deleteQuietly(dir);
    }
  }

  private int run(Path dir) throws Exception {
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), InProcessServer.generatedCatalog(500));
    Path store = dir.resolve("shared-models");
    System.out.println("Starting a single-node Kafka broker...");
    try (SingleNodeKafka kafka = SingleNodeKafka.start()) {
      List<String> common =
          List.of(
              "--port", "0", "--device", "cpu", "--catalog", catalog.toString(), "--feedback-log", "kafka",
              "--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topic", TOPIC, "--model-store", store.toString(),
              "--join-window-seconds", "5");
      System.out.println("Starting the trainer and replicas A and B...");
      try (ChildServer trainer = start(dir, "trainer", common, "--reranker", "on");
          ChildServer a = start(dir, "replica-a", common, "--reranker", "follow", "--model-poll-ms", "200");
          ChildServer b = start(dir, "replica-b", common, "--reranker", "follow", "--model-poll-ms", "200")) {
        Cluster cluster = new Cluster(trainer.client(), a.client(), b.client());
        try {
          Outcome outcome = cluster.run();
          Scaling scaling = scaleSeconds > 0 ? cluster.scaling(a.pid(), b.pid()) : null;
          return report(outcome, scaling, kafka);
        } finally {
          cluster.close();
        }
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (java.io.IOException | RuntimeException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  private static ChildServer start(Path dir, String name, List<String> common, String... more) throws Exception {
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of("--data-dir", dir.resolve(name).toString()));
    args.addAll(List.of(more));
    ChildServer server = ChildServer.start("768m", args);
    server.awaitServing(180);
    return server;
  }

  /** What one run measured. */
  record Outcome(
      List<Double> lagMillis, int notReflected, Set<String> acked, long retriedUnknown, List<Double> propagationMillis,
      List<String> versions, long loadCalls, long loadErrors, double seconds, long[] durable) {}

  private final class Cluster {
    private final RecsysClient trainer;
    private final RecsysClient a;
    private final RecsysClient b;
    private final AtomicBoolean stop = new AtomicBoolean();

    Cluster(RecsysClient trainer, RecsysClient a, RecsysClient b) {
      this.trainer = trainer;
      this.a = a;
      this.b = b;
    }

    Outcome run() throws Exception {
      AtomicLong loadCalls = new AtomicLong();
      AtomicLong loadErrors = new AtomicLong();
      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < loadThreads; t++) {
        int caller = t;
        Thread thread = new Thread(() -> recommendLoad(caller, loadCalls, loadErrors), "load-" + t);
        thread.start();
        load.add(thread);
      }
      List<Double> propagation = new CopyOnWriteArrayList<>();
      List<String> versions = new CopyOnWriteArrayList<>();
      Thread models = new Thread(() -> watchModels(propagation, versions), "model-watch");
      models.start();

      List<Double> lag = new ArrayList<>();
      Set<String> acked = ConcurrentHashMap.newKeySet();
      SplittableRandom random = new SplittableRandom(17);
      int notReflected = 0;
      long retriedUnknown = 0;
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
      long modelDeadline = end + TimeUnit.SECONDS.toNanos(modelTimeoutSeconds);
      for (int n = 0; System.nanoTime() < end || (propagation.isEmpty() && System.nanoTime() < modelDeadline); n++) {
        String user = "reader-" + n % 200;
        RecommendResponse list = b.recommend(user, 10);
        for (RecommendedItem item : list.getItemsList().subList(0, Math.min(3, list.getItemsCount()))) {
          FeedbackType type = random.nextDouble() < 0.3 ? FeedbackType.FEEDBACK_TYPE_CLICK : FeedbackType.FEEDBACK_TYPE_SKIP;
          FeedbackAck ack = a.reportFeedback(event(list, user, item.getItemId(), type));
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
          // A joins B's list once it has read it from the topic: until then the event is unknown to A.
          while (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_REJECTED && ack.getReason().startsWith("unknown event_id")
              && System.nanoTime() < deadline) {
            retriedUnknown++;
            Thread.sleep(1);
            ack = a.reportFeedback(event(list, user, item.getItemId(), type));
          }
          if (ack.getStatus() != FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
            throw new IllegalStateException("replica A did not accept a reaction: " + ack);
          }
          long ackedAt = System.nanoTime();
          acked.add(list.getEventId() + "/" + item.getItemId() + "/" + type.getNumber());
          // Only this loop sends reactions: B has applied this one once its durable count reaches the acked count.
          long reflectDeadline = ackedAt + TimeUnit.SECONDS.toNanos(10);
          while (b.status().getFeedbackEventsDurable() < acked.size() && System.nanoTime() < reflectDeadline) {
            Thread.onSpinWait();
          }
          if (System.nanoTime() >= reflectDeadline) {
            notReflected++;
          } else {
            lag.add((System.nanoTime() - ackedAt) / 1e6);
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      for (Thread thread : load) {
        thread.join();
      }
      models.join();
      Thread.sleep(1_000); // the trainer reads the last records too
      long[] durable = {
        trainer.status().getFeedbackEventsDurable(), a.status().getFeedbackEventsDurable(), b.status().getFeedbackEventsDurable()
      };
      return new Outcome(lag, notReflected, acked, retriedUnknown, propagation, versions, loadCalls.get(), loadErrors.get(), seconds, durable);
    }

    /** The same 8 callers on one replica, then split over two: QPS and each replica's CPU. */
    Scaling scaling(long pidA, long pidB) throws InterruptedException {
      Phase one = phase(List.of(b, b, b, b, b, b, b, b), pidA, pidB);
      Phase two = phase(List.of(a, b, a, b, a, b, a, b), pidA, pidB);
      return new Scaling(one, two);
    }

    private Phase phase(List<RecsysClient> callers, long pidA, long pidB) throws InterruptedException {
      AtomicBoolean done = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < callers.size(); i++) {
        RecsysClient client = callers.get(i);
        int caller = i;
        Thread thread = new Thread(() -> {
          for (int n = 0; !done.get(); n++) {
            try {
              client.recommend("scale-" + caller + "-" + n % 5_000, 10);
              calls.incrementAndGet();
            } catch (StatusRuntimeException e) {
              // counted as missing calls: the QPS says it
            }
          }
        });
        thread.start();
        threads.add(thread);
      }
      Thread.sleep(2_000); // warm-up
      long before = calls.get();
      double cpuA = cpuSeconds(pidA);
      double cpuB = cpuSeconds(pidB);
      long start = System.nanoTime();
      Thread.sleep(TimeUnit.SECONDS.toMillis(scaleSeconds));
      double seconds = (System.nanoTime() - start) / 1e9;
      long measured = calls.get() - before;
      double usedA = cpuSeconds(pidA) - cpuA;
      double usedB = cpuSeconds(pidB) - cpuB;
      done.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
      return new Phase(measured / seconds, usedA / seconds, usedB / seconds);
    }

    private void recommendLoad(int caller, AtomicLong calls, AtomicLong errors) {
      for (int n = 0; !stop.get(); n++) {
        try {
          b.recommend("load-" + caller + "-" + n % 5_000, 10);
          calls.incrementAndGet();
        } catch (StatusRuntimeException e) {
          errors.incrementAndGet();
        }
      }
    }

    /** Each time the trainer serves a new version: how long until both replicas serve it too. */
    private void watchModels(List<Double> propagation, List<String> versions) {
      String seen = trainer.status().getModelVersion();
      while (!stop.get()) {
        String live = trainer.status().getModelVersion();
        if (!live.equals(seen)) {
          long since = System.nanoTime();
          while (!(a.status().getModelVersion().equals(live) && b.status().getModelVersion().equals(live))
              && System.nanoTime() - since < TimeUnit.SECONDS.toNanos(30)) {
            sleep(5);
          }
          propagation.add((System.nanoTime() - since) / 1e6);
          versions.add(live);
          seen = live;
        }
        sleep(20);
      }
    }

    void close() {
      trainer.close();
      a.close();
      b.close();
    }
  }

  /** Recommend QPS of a phase and the cores each replica used meanwhile. */
  record Phase(double qps, double coresA, double coresB) {}

  record Scaling(Phase oneReplica, Phase twoReplicas) {}

  private static double cpuSeconds(long pid) {
    return ProcessHandle.of(pid).flatMap(handle -> handle.info().totalCpuDuration()).map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  private static FeedbackEvent event(RecommendResponse list, String user, String item, FeedbackType type) {
    return FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId(user).setItemId(item).setType(type).build();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private int report(Outcome outcome, Scaling scaling, SingleNodeKafka kafka) throws Exception {
    Map<String, Integer> copies = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : TopicRecords.readAll(kafka.bootstrapServers(), TOPIC, outcome.acked().size())) {
      LogRecord parsed = LogRecord.parseFrom(record.value());
      if (parsed.hasFeedback()) {
        copies.merge(parsed.getFeedback().getEventId() + "/" + parsed.getFeedback().getItemId() + "/" + parsed.getFeedback().getType(), 1, Integer::sum);
      }
    }
    long lost = outcome.acked().stream().filter(key -> !copies.containsKey(key)).count();
    long duplicated = copies.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
    List<Double> lag = new ArrayList<>(outcome.lagMillis());
    Collections.sort(lag);
    List<Double> propagation = new ArrayList<>(outcome.propagationMillis());
    Collections.sort(propagation);
    int acked = outcome.acked().size();
    System.out.printf(Locale.ROOT, "%nCluster: Kafka (1 broker), a trainer, replicas A and B; lists from B, reactions to A, %.0f s%n", outcome.seconds());
    System.out.printf(Locale.ROOT, "reactions acknowledged by A           %,d (%d retries while A had not yet read B's list)%n", acked, outcome.retriedUnknown());
    System.out.printf(Locale.ROOT, "read-your-feedback lag A -> B         p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d not reflected within 10 s)%n",
        percentile(lag, 0.50), percentile(lag, 0.99), percentile(lag, 1.0), outcome.notReflected());
    System.out.printf(Locale.ROOT, "events lost / duplicated in the topic %d / %d%n", lost, duplicated);
    System.out.printf(Locale.ROOT, "durable events on trainer / A / B     %,d / %,d / %,d (acknowledged %,d)%n",
        outcome.durable()[0], outcome.durable()[1], outcome.durable()[2], acked);
    System.out.printf(Locale.ROOT, "model versions published              %d %s; reached both replicas in p50 %.0f ms, max %.0f ms (poll 200 ms)%n",
        outcome.versions().size(), outcome.versions(), percentile(propagation, 0.50), percentile(propagation, 1.0));
    System.out.printf(Locale.ROOT, "Recommend on B besides the probe      %,.0f calls/s, %d errors%n", outcome.loadCalls() / outcome.seconds(), outcome.loadErrors());
    if (scaling != null) {
      Phase one = scaling.oneReplica();
      Phase two = scaling.twoReplicas();
      System.out.printf(Locale.ROOT, "Recommend, 8 callers on B alone       %,.0f QPS (B %.2f cores, A idle %.2f cores)%n", one.qps(), one.coresB(), one.coresA());
      System.out.printf(Locale.ROOT, "Recommend, 4 + 4 callers on A and B   %,.0f QPS (A %.2f cores, B %.2f cores): %.2fx one replica, on %d cores%n",
          two.qps(), two.coresA(), two.coresB(), two.qps() / one.qps(), Runtime.getRuntime().availableProcessors());
    }
    boolean passed =
        lost == 0 && duplicated == 0 && outcome.notReflected() == 0 && !outcome.versions().isEmpty()
            && outcome.durable()[0] == acked && outcome.durable()[1] == acked && outcome.durable()[2] == acked;
    System.out.println(passed ? "PASSED" : "FAILED");
    if (json != null) {
      new JsonReport()
          .put("seconds", outcome.seconds())
          .put("acked", acked)
          .put("lost", lost)
          .put("duplicated", duplicated)
          .put("not_reflected", outcome.notReflected())
          .put("lag_p50_ms", percentile(lag, 0.50))
          .put("lag_p99_ms", percentile(lag, 0.99))
          .put("lag_max_ms", percentile(lag, 1.0))
          .put("model_versions", outcome.versions().size())
          .put("model_propagation_p50_ms", percentile(propagation, 0.50))
          .put("model_propagation_max_ms", percentile(propagation, 1.0))
          .put("durable_trainer", outcome.durable()[0])
          .put("durable_a", outcome.durable()[1])
          .put("durable_b", outcome.durable()[2])
          .put("load_calls_per_s", outcome.loadCalls() / outcome.seconds())
          .put("qps_one_replica", scaling == null ? Double.NaN : scaling.oneReplica().qps())
          .put("qps_two_replicas", scaling == null ? Double.NaN : scaling.twoReplicas().qps())
          .put("cores_b_one_replica", scaling == null ? Double.NaN : scaling.oneReplica().coresB())
          .put("cores_a_two_replicas", scaling == null ? Double.NaN : scaling.twoReplicas().coresA())
          .put("cores_b_two_replicas", scaling == null ? Double.NaN : scaling.twoReplicas().coresB())
          .put("passed", passed)
          .writeTo(json);
    }
    return passed ? 0 : 1;
  }

  private static double percentile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.size()) - 1; // nearest rank
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
  }
}
