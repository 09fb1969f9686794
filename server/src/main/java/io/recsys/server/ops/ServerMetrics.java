package io.recsys.server.ops;

import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.recsys.server.feedback.UserErasure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.recsys.server.api.TrainingControl;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.feedback.Checkpointer;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.feedback.kafka.KafkaFeedbackLog;
import io.recsys.server.model.DynamicBatcher;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxTimings;
import io.recsys.server.policy.RecommendPipeline;
import io.recsys.server.user.UserStateStore;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's metrics in one Prometheus registry (Micrometer): gRPC calls by service, method and
 * status with latency histograms (Micrometer's own gRPC interceptor), the feedback loop, the user
 * cache, the trainer, the live model and the catalog (read from the same sources as {@code
 * GetStatus}, at scrape time), and the JVM. Names follow Prometheus conventions: units in the
 * name, {@code _total} for counters (Micrometer's Prometheus naming adds both), all under {@code
 * recsys_} but the gRPC, JVM and process families.
 */
public final class ServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public ServerMetrics() {
    // Micrometer's gRPC binder tags in camelCase; Prometheus labels are snake_case (promtool checks).
    registry.config().meterFilter(MeterFilter.renameTag("grpc.server", "statusCode", "status_code"));
    registry.config().meterFilter(MeterFilter.renameTag("grpc.server", "methodType", "method_type"));
    // Two processor meters break Prometheus naming rules (system_cpu_count, process_cpu_time_ns):
    // process_cpu_usage and system_cpu_usage say the same.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("system.cpu.count"));
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
    // Latency as histograms (buckets Prometheus can aggregate across replicas), not client-side quantiles.
    registry.config().meterFilter(
        new MeterFilter() {
          @Override
          public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            return id.getType() == Meter.Type.TIMER
                ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
                : config;
          }
        });
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // Exact and current, unlike jvm_gc_memory_allocated_bytes (counted only when a GC runs): the
    // allocation per call a benchmark divides by. Threads that ended take their count with them.
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads && threads.isThreadAllocatedMemorySupported()) {
      counter("recsys.jvm.allocated.bytes", "Heap bytes allocated by the live threads (ThreadMXBean)", threads,
          t -> java.util.Arrays.stream(t.getThreadAllocatedBytes(t.getAllThreadIds())).filter(b -> b > 0).sum());
    }
    // process_cpu_usage is a recent average; a counter gives the CPU one phase of load cost, per call.
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os && os.getProcessCpuTime() >= 0) {
      counter("recsys.process.cpu.seconds", "CPU time used by the whole process, all threads, native included", os, o -> o.getProcessCpuTime() / 1e9);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Counts every call and times it, by service, method and status code. */
  public ServerInterceptor grpcInterceptor() {
    return new MetricCollectingServerInterceptor(registry);
  }

  /** The Prometheus text exposition of every metric now. */
  public String scrape() {
    return registry.scrape();
  }

  /** The feedback loop: reactions by outcome, open impressions, the log's group commits and fsyncs, the replay buffer. */
  public void bindFeedback(FeedbackProcessor feedback, ReplayBuffer replay) {
    counter("recsys.feedback.durable.events", "Reactions made durable and applied", feedback, FeedbackProcessor::durableFeedbackEvents);
    counter("recsys.feedback.rejected.events", "Reactions refused as invalid (REJECTED)", feedback, FeedbackProcessor::rejectedFeedbackEvents);
    counter("recsys.feedback.duplicate.events", "Reactions that repeated an accepted one (DUPLICATE), counted once", feedback, FeedbackProcessor::duplicateFeedbackEvents);
    counter("recsys.feedback.no.reaction.rewards", "Shown items that earned the no-feedback reward when their list closed", feedback, FeedbackProcessor::noFeedbackRewards);
    counter("recsys.impressions.closed.early", "Served lists closed before their join window ended, pushed out by the bound", feedback, FeedbackProcessor::closedEarly);
    gauge("recsys.impressions.open", "Served lists whose join window is open", feedback, FeedbackProcessor::openImpressions);
    gauge("recsys.replay.buffer.transitions", "Transitions in the replay buffer", replay, ReplayBuffer::size);
  }

  /** The local feedback log's group commits and fsyncs. */
  public void bindFileLog(SegmentedFeedbackLog log) {
    counter("recsys.feedback.log.group.commits", "Group commits of the feedback log: one write (and one fsync under --fsync batch) each", log, SegmentedFeedbackLog::groupCommits);
    counter("recsys.feedback.log.refused.groups", "Group commits the disk refused (full, I/O error): their appends failed UNAVAILABLE, nothing of them stayed", log, SegmentedFeedbackLog::refusedGroups);
    counter("recsys.feedback.log.group.commit.records", "Records written by the group commits (divide by the commits for the mean group size)", log, SegmentedFeedbackLog::groupCommitRecords);
    counter("recsys.feedback.log.fsyncs", "fsyncs of the feedback log's segments", log, SegmentedFeedbackLog::fsyncs);
    counter("recsys.feedback.log.fsync.seconds", "Time spent in those fsyncs", log, SegmentedFeedbackLog::fsyncSeconds);
    counter("recsys.feedback.log.retired.segments", "Log segments deleted once snapshots covered them, as the retention says", log, SegmentedFeedbackLog::retiredSegments);
  }

  /** The feedback log on Kafka: what this replica sent, read back, and what other replicas wrote. */
  public void bindKafkaLog(KafkaFeedbackLog log) {
    counter("recsys.feedback.kafka.own.records", "This replica's appends read back from the topic (each completed its append)", log, KafkaFeedbackLog::ownRecordsRead);
    counter("recsys.feedback.kafka.others.records", "Records other replicas (or an earlier run) appended, applied here while serving", log, KafkaFeedbackLog::othersRecordsRead);
    counter("recsys.feedback.kafka.produce.failures", "Appends Kafka refused or did not acknowledge within --kafka-delivery-timeout-ms (reactions got UNAVAILABLE)", log, KafkaFeedbackLog::produceFailures);
    counter("recsys.feedback.kafka.refused.pending", "Appends refused at once: too many bytes were waiting for Kafka's acknowledgement", log, KafkaFeedbackLog::refusedOverPendingBound);
    counter("recsys.feedback.kafka.skipped.records", "Records of the topic whose application failed (logged); the replica went on with the next", log, KafkaFeedbackLog::skippedRecords);
    counter("recsys.feedback.kafka.unreadable.records", "Records of the topic that are not feedback log records, skipped", log, KafkaFeedbackLog::unreadableRecords);
    counter("recsys.feedback.kafka.read.back.timeouts", "Appends Kafka took that were not read back in time: failed UNAVAILABLE, applied when read", log, KafkaFeedbackLog::readBacksTimedOut);
    counter("recsys.feedback.kafka.tailer.failures", "Polls of the topic that failed with more than a lost broker (the tailer retries every second)", log, KafkaFeedbackLog::tailerFailures);
    gauge("recsys.feedback.kafka.awaiting.read.back", "Appends sent to Kafka and not yet read back", log, KafkaFeedbackLog::awaitingReadBack);
  }

  /** Snapshots of the feedback loop's state and the log retention that follows them. */
  public void bindSnapshots(Checkpointer snapshots) {
    counter("recsys.snapshots.written", "Snapshots of users, items, replay buffer and open lists written", snapshots, Checkpointer::snapshotsWritten);
    counter("recsys.snapshots.failed", "Snapshots that could not be written (the log keeps everything since the last)", snapshots, Checkpointer::snapshotsFailed);
    gauge("recsys.snapshot.last.seconds", "Time the last snapshot took to write", snapshots, Checkpointer::lastSnapshotSeconds);
    gauge("recsys.snapshot.last.bytes", "Size of the last snapshot", snapshots, Checkpointer::lastSnapshotBytes);
    gauge("recsys.feedback.log.records.since.snapshot", "Log records after the last snapshot: what a restart now would apply again", snapshots, Checkpointer::recordsSinceSnapshot);
  }

  /** Users forgotten (ForgetUser) and what their erasures rewrote. */
  public void bindErasure(UserErasure erasure) {
    counter("recsys.users.forgotten", "Users forgotten by ForgetUser (calls that found nothing are not counted)", erasure, UserErasure::usersForgotten);
    counter("recsys.users.forgotten.log.records", "Feedback log records those erasures replaced with erased records", erasure, UserErasure::recordsErased);
    gauge("recsys.user.erasure.last.seconds", "Time the last erasure took: the log rewrite and the fresh snapshot", erasure, UserErasure::lastErasureSeconds);
  }

  /** The scoring calls' admission bound and its refusals. */
  public void bindAdmission(ScoringBulkhead admission) {
    gauge("recsys.scoring.admission.limit", "Recommend calls admitted at once now: the measured completion rate x the latency budget, within its floor and --max-concurrent-scoring", admission, ScoringBulkhead::limit);
    counter("recsys.scoring.refused", "Recommend calls refused with RESOURCE_EXHAUSTED at the admission bound", admission, ScoringBulkhead::shedCalls);
  }

  /** The user-state cache. */
  public void bindUsers(UserStateStore users) {
    gauge("recsys.users.cached", "User states in the cache", users, UserStateStore::size);
    counter("recsys.user.cache.hits", "User-state lookups that found a state", users, u -> u.stats().hitCount());
    counter("recsys.user.cache.misses", "User-state lookups that found none (cold start or evicted)", users, u -> u.stats().missCount());
    counter("recsys.user.cache.evictions", "User states evicted by the cache bound", users, u -> u.stats().evictionCount());
  }

  /** The trainer, the safety gate and the live model. */
  public void bindLearning(TrainingControl training, ModelRegistry models) {
    counter("recsys.trainer.steps", "Double-DQN minibatch steps", training, TrainingControl::trainerSteps);
    counter("recsys.trainer.divergences", "Trainer steps rolled back by the divergence guard", training, TrainingControl::trainerDivergences);
    gauge("recsys.trainer.loss", "The trainer's last minibatch loss (Huber); NaN before the first step", training, TrainingControl::lastLoss);
    gauge("recsys.training.paused", "1 while training is paused or a version is pinned", training, t -> t.isPaused() ? 1 : 0);
    String verdicts = "Candidate versions judged by the safety gate, by verdict";
    counter("recsys.gate.verdicts", verdicts, "verdict", "published", training, TrainingControl::gatePassed);
    counter("recsys.gate.verdicts", verdicts, "verdict", "rejected", training, TrainingControl::gateRefused);
    String swaps = "Models swapped in while serving, by stage";
    counter("recsys.model.swaps", swaps, "stage", "ranker", models, ModelRegistry::rankerSwaps);
    counter("recsys.model.swaps", swaps, "stage", "retrieval", models, ModelRegistry::retrievalSwaps);
    gauge("recsys.model.live.version", "Number of the live model version (vN)", models, m -> versionNumber(m.liveVersion()));
    gauge("recsys.model.versions", "Model versions recorded (live, retired, rejected)", models, m -> m.versions().size());
  }

  /** The Recommend path: batching, time in ONNX Runtime per stage, the catalog, refused requests. */
  public void bindServing(RecommendPipeline pipeline, OnnxTimings onnx, Catalog catalog, LongSupplier malformedRequests) {
    pipeline.batcher().ifPresent(batcher -> {
      counter("recsys.recommend.batches", "Scoring batches run", batcher, DynamicBatcher::batches);
      counter("recsys.recommend.batched.requests", "Recommend calls scored in those batches (divide by the batches for the mean batch size)", batcher, DynamicBatcher::batchedRequests);
      counter("recsys.recommend.queue.delay.seconds", "Time batched calls waited in the batcher's queue, summed", batcher, DynamicBatcher::queueDelaySeconds);
      counter("recsys.recommend.batch.work.seconds", "Time the batches took to score, summed", batcher, DynamicBatcher::workSeconds);
    });
    for (OnnxTimings.Stage stage : OnnxTimings.Stage.values()) {
      String name = stage.name().toLowerCase(java.util.Locale.ROOT);
      counter("recsys.onnx.runs", "ONNX Runtime session runs, by stage", "stage", name, onnx, t -> t.runs(stage));
      counter("recsys.onnx.run.seconds", "Time inside ONNX Runtime session runs, by stage", "stage", name, onnx, t -> t.seconds(stage));
    }
    gauge("recsys.catalog.items", "Items in the live catalog snapshot", catalog, c -> c.current().size());
    gauge("recsys.catalog.version", "Version of the live catalog snapshot", catalog, c -> c.current().version());
    counter("recsys.requests.malformed", "Requests refused as malformed before reaching a service", malformedRequests, s -> s.getAsLong());
  }

  /** Calls refused by the bearer-token check (also counted by status in the gRPC family). */
  public void bindAuth(BearerTokenAuth auth) {
    counter("recsys.auth.refused.calls", "Calls refused for a missing, unknown or insufficient bearer token", auth, BearerTokenAuth::refusedCalls);
  }

  private <T> void counter(String name, String help, T source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(help).register(registry);
  }

  /** One series of a labelled counter family: same name and help, one label value each. */
  private <T> void counter(String name, String help, String label, String labelValue, T source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(help).tag(label, labelValue).register(registry);
  }

  private <T> void gauge(String name, String help, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value).description(help).register(registry);
  }

  /** 7 for "v7"; 0 for a name without a number. */
  static double versionNumber(String version) {
    String digits = version.replaceAll("\\D", "");
    return digits.isEmpty() ? 0 : Double.parseDouble(digits);
  }

}
