package io.recsys.server.ops;

import io.recsys.server.feedback.FeedbackSettings;
import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.learning.LearningSettings;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.Exploration;
import io.recsys.server.user.UserStateUpdater;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: run the gRPC server until SIGTERM or SIGINT, then shut down gracefully. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve recommendations over gRPC (embedded goodbooks-10k catalog by default; a catalog whose items carry embeddings serves those vectors without a language model).")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "gRPC port (default: ${DEFAULT-VALUE}).", defaultValue = "50051")
  int port;

  @Option(names = "--data-dir", description = "Durable state (default: ${DEFAULT-VALUE}).", defaultValue = "./data")
  Path dataDir;

  @Option(names = "--catalog", description = "Catalog file (.csv or .jsonl) instead of the embedded goodbooks-10k.")
  Path catalog;

  @Option(names = "--user-vectors", description = "CSV user_id,v1,...,vd of users' starting states in the catalog's space (for example train's user_vectors.csv).")
  Path userVectors;

  @Option(names = "--device", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
  String device;

  @Option(names = "--onnx-threads", description = "Intra-op threads per ONNX session (default: available cores).")
  Integer onnxThreads;

  @Option(names = "--onnx-spinning", description = "Let idle ONNX Runtime threads spin: lower latency on cores nothing else needs (default: off).")
  boolean onnxSpinning;

  @Option(names = "--max-cached-users", description = "Users whose state is kept in memory (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  long maxCachedUsers;

  @Option(names = "--popularity-weight", description = "Weight of the popularity prior in scores (default: ${DEFAULT-VALUE}).", defaultValue = "0.1")
  float popularityWeight;

  @Option(names = "--drain-timeout", description = "Seconds shutdown waits for in-flight calls (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  long drainSeconds;

  @Option(names = "--join-window-seconds", description = "How long after serving a list its feedback is joined to it (default: ${DEFAULT-VALUE}).", defaultValue = "300")
  long joinWindowSeconds;

  @Option(names = "--max-open-impressions", description = "Served lists remembered for their join window; past it the oldest close early (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int maxOpenImpressions;

  @Option(names = "--rewards", description = "Reward overrides, e.g. click=1,skip=0.2 (defaults: click, like, purchase, dwell 1; dislike, skip 0).", defaultValue = "")
  String rewards;

  @Option(names = "--no-feedback-reward", description = "Reward of a shown item with no reaction in the join window (default: ${DEFAULT-VALUE}).", defaultValue = "0.5")
  float noFeedbackReward;

  @Option(names = "--fsync", description = "batch (fsync before every ack) or interval (ack after write, fsync every 50 ms) (default: ${DEFAULT-VALUE}).", defaultValue = "batch")
  String fsync;

  @Option(names = "--feedback-stream-window", description = "Events one feedback stream may have in flight (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
  int streamWindow;

  @Option(names = "--replay-capacity", description = "Transitions kept for the trainer (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
  int replayCapacity;

  @Option(names = "--learning", description = "on, or off to serve as a static scorer: feedback is stored but moves nothing (default: ${DEFAULT-VALUE}).", defaultValue = "on")
  String learning;

  @Option(names = "--exploration", description = "greedy, epsilon:<p> or softmax:<temperature> (default: ${DEFAULT-VALUE}).", defaultValue = "epsilon:0.05")
  String exploration;

  @Option(names = "--candidates", description = "Retrieval candidates each list is drawn from (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int candidates;

  @Option(names = "--max-concurrent-scoring", description = "Recommend calls admitted at once; more get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int maxConcurrentScoring;

  @Option(names = "--max-batch-size", description = "Concurrent Recommend calls scored together; 1 turns batching off (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int maxBatchSize;

  @Option(names = "--max-queue-delay-us", description = "Microseconds a batch may wait to fill once it has a call; 0: run what is queued at once, calls arriving meanwhile form the next batch (default: ${DEFAULT-VALUE}).", defaultValue = "0")
  long maxQueueDelayMicros;

  @Option(names = "--keep-disliked", description = "Let items a user disliked come back into their lists.")
  boolean keepDisliked;

  @Override
  public Integer call() throws Exception {
    ServerConfig defaults = ServerConfig.defaults(dataDir);
    ServerConfig config =
        new ServerConfig(
            port,
            dataDir,
            Optional.ofNullable(catalog),
            Optional.ofNullable(userVectors),
            OnnxRuntime.Device.parse(device),
            onnxThreads == null ? defaults.onnxThreads() : onnxThreads,
            onnxSpinning,
            maxCachedUsers,
            popularityWeight,
            Duration.ofSeconds(drainSeconds),
            feedbackConfig(),
            Exploration.parse(exploration),
            candidates,
            LearningSettings.defaults(),
            maxConcurrentScoring,
            maxBatchSize,
            Duration.ofNanos(maxQueueDelayMicros * 1_000));
    RecsysServer server = RecsysServer.start(config);
    TerminationSignals.onTermination(server::stop);
    // Other ways out (System.exit elsewhere, SIGHUP) still release files and sessions.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shutdown-hook"));
    server.awaitTermination();
    return 0;
  }

  private boolean learningOn() {
    return switch (learning) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("--learning must be on or off, got '" + learning + "'");
    };
  }

  private FeedbackConfig feedbackConfig() {
    FeedbackConfig defaults = FeedbackConfig.defaults();
    FeedbackSettings processor = defaults.processor();
    UserStateUpdater updater = processor.updater();
    FeedbackSettings settings =
        new FeedbackSettings(
            Duration.ofSeconds(joinWindowSeconds),
            maxOpenImpressions,
            RewardFunction.defaults().withOverrides(rewards).withNoFeedbackReward(noFeedbackReward),
            new UserStateUpdater(updater.attractRate(), updater.repelRate(), !keepDisliked, updater.maxDisliked()),
            learningOn());
    return new FeedbackConfig(settings, defaults.log(), streamWindow, replayCapacity)
        .withFsync(FsyncPolicy.parse(fsync));
  }
}
