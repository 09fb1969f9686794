package io.recsys.server.ops;

import io.recsys.server.learning.LearningSettings;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.EpsilonGreedy;
import io.recsys.server.policy.Exploration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Everything the server is started with, validated once. Defaults serve the embedded catalog on
 * port 50051 with the data dir {@code ./data}.
 *
 * @param port gRPC port; 0 picks a free one
 * @param dataDir where durable state lives (embedding cache, catalog upserts, later logs/models)
 * @param catalogFile catalog to serve instead of the embedded goodbooks-10k
 * @param userVectorsFile users' starting state vectors (for example {@code train}'s), in the catalog's space
 * @param device where ONNX sessions run
 * @param onnxThreads intra-op threads per ONNX session
 * @param onnxSpinning whether idle ONNX Runtime threads spin (off: they sleep and leave the cores to gRPC)
 * @param maxCachedUsers bound of the user state cache
 * @param popularityWeight weight of the popularity prior in every score
 * @param drainTimeout how long shutdown waits for in-flight calls
 * @param feedback the feedback loop's settings
 * @param exploration how lists are drawn from candidate scores (and so their propensities)
 * @param candidates retrieval candidates each list is drawn from
 * @param learning the trainer's cadence and hyper-parameters
 * @param maxConcurrentScoring Recommend calls admitted at once; more are refused (RESOURCE_EXHAUSTED)
 * @param maxBatchSize concurrent Recommend calls scored together (1: no batching)
 * @param maxQueueDelay how long a call may wait for its batch to fill
 */
public record ServerConfig(
    int port,
    Path dataDir,
    Optional<Path> catalogFile,
    Optional<Path> userVectorsFile,
    OnnxRuntime.Device device,
    int onnxThreads,
    boolean onnxSpinning,
    long maxCachedUsers,
    float popularityWeight,
    Duration drainTimeout,
    FeedbackConfig feedback,
    Exploration exploration,
    int candidates,
    LearningSettings learning,
    int maxConcurrentScoring,
    int maxBatchSize,
    Duration maxQueueDelay) {

  public static final int DEFAULT_PORT = 50051;

  public ServerConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
    }
    if (onnxThreads < 1) {
      throw new IllegalArgumentException("--onnx-threads must be >= 1, got " + onnxThreads);
    }
    if (maxCachedUsers < 1) {
      throw new IllegalArgumentException("--max-cached-users must be >= 1, got " + maxCachedUsers);
    }
    if (!(popularityWeight >= 0) || Float.isInfinite(popularityWeight)) {
      throw new IllegalArgumentException(
          "--popularity-weight must be a finite number >= 0, got " + popularityWeight);
    }
    if (maxBatchSize < 1 || maxBatchSize > 256) {
      throw new IllegalArgumentException("--max-batch-size must be in [1, 256], got " + maxBatchSize);
    }
    if (maxQueueDelay.isNegative() || maxQueueDelay.toMillis() > 100) {
      throw new IllegalArgumentException("--max-queue-delay-us must be in [0, 100000], got " + maxQueueDelay.toNanos() / 1_000);
    }
    if (candidates < 1 || candidates > 10_000) {
      throw new IllegalArgumentException("--candidates must be in [1, 10000], got " + candidates);
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("--drain-timeout must not be negative, got " + drainTimeout);
    }
  }

  /** The defaults, serving the embedded catalog from {@code dataDir}. */
  public static ServerConfig defaults(Path dataDir) {
    return new ServerConfig(
        DEFAULT_PORT,
        dataDir,
        Optional.empty(),
        Optional.empty(),
        OnnxRuntime.Device.AUTO,
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        false,
        200_000,
        0.1f,
        Duration.ofSeconds(20),
        FeedbackConfig.defaults(),
        new EpsilonGreedy(0.05),
        100,
        LearningSettings.defaults(),
        64,
        64,
        // Greedy batching: a free batcher takes whatever is queued at once; calls that arrive while
        // a batch runs form the next one. Waiting for more only added latency on CPU (compare).
        Duration.ZERO);
  }

  public ServerConfig withPort(int newPort) {
    return with(b -> b.port = newPort);
  }

  public ServerConfig withCatalogFile(Path file) {
    return with(b -> b.catalogFile = Optional.of(file));
  }

  public ServerConfig withUserVectorsFile(Path file) {
    return with(b -> b.userVectorsFile = Optional.of(file));
  }

  public ServerConfig withExploration(Exploration newExploration) {
    return with(b -> b.exploration = newExploration);
  }

  public ServerConfig withBatching(int newMaxBatchSize, Duration newMaxQueueDelay) {
    return with(b -> {
      b.maxBatchSize = newMaxBatchSize;
      b.maxQueueDelay = newMaxQueueDelay;
    });
  }

  public ServerConfig withOnnxSpinning(boolean spinning) {
    return with(b -> b.onnxSpinning = spinning);
  }

  public ServerConfig withDevice(OnnxRuntime.Device newDevice) {
    return with(b -> b.device = newDevice);
  }

  public ServerConfig withCandidates(int newCandidates) {
    return with(b -> b.candidates = newCandidates);
  }

  public ServerConfig withMaxConcurrentScoring(int calls) {
    return with(b -> b.maxConcurrentScoring = calls);
  }

  public ServerConfig withLearning(LearningSettings newLearning) {
    return with(b -> b.learning = newLearning);
  }

  public ServerConfig withFeedback(FeedbackConfig newFeedback) {
    return with(b -> b.feedback = newFeedback);
  }

  /** A copy with {@code change} applied, validated like any other instance. */
  private ServerConfig with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /** The fields of a config, to change a few and build a new one: one place lists them all. */
  private static final class Copy {
    int port;
    Path dataDir;
    Optional<Path> catalogFile;
    Optional<Path> userVectorsFile;
    OnnxRuntime.Device device;
    int onnxThreads;
    boolean onnxSpinning;
    long maxCachedUsers;
    float popularityWeight;
    Duration drainTimeout;
    FeedbackConfig feedback;
    Exploration exploration;
    int candidates;
    LearningSettings learning;
    int maxConcurrentScoring;
    int maxBatchSize;
    Duration maxQueueDelay;

    Copy(ServerConfig c) {
      port = c.port;
      dataDir = c.dataDir;
      catalogFile = c.catalogFile;
      userVectorsFile = c.userVectorsFile;
      device = c.device;
      onnxThreads = c.onnxThreads;
      onnxSpinning = c.onnxSpinning;
      maxCachedUsers = c.maxCachedUsers;
      popularityWeight = c.popularityWeight;
      drainTimeout = c.drainTimeout;
      feedback = c.feedback;
      exploration = c.exploration;
      candidates = c.candidates;
      learning = c.learning;
      maxConcurrentScoring = c.maxConcurrentScoring;
      maxBatchSize = c.maxBatchSize;
      maxQueueDelay = c.maxQueueDelay;
    }

    ServerConfig build() {
      return new ServerConfig(
          port, dataDir, catalogFile, userVectorsFile, device, onnxThreads, onnxSpinning, maxCachedUsers, popularityWeight, drainTimeout,
          feedback, exploration, candidates, learning, maxConcurrentScoring, maxBatchSize, maxQueueDelay);
    }
  }
}
