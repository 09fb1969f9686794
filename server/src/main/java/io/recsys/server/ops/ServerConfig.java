package io.recsys.server.ops;

import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.learning.LearningSettings;
import io.recsys.server.learning.ModelRetention;
import io.recsys.server.learning.OnlineLearningSettings;
import io.recsys.server.model.BatchWait;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.EpsilonGreedy;
import io.recsys.server.policy.Exploration;
import io.recsys.server.user.ReactionType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Everything the server is started with: one immutable value, made by a {@link Builder} that
 * checks each setting as it is set and names the setting when it refuses one. The builder holds
 * the only copy of the defaults (they serve the embedded catalog on port 50051 from {@code
 * ./data}); {@code serve --help} shows them from here.
 *
 * @param port gRPC port; 0 picks a free one
 * @param dataDir where durable state lives (embedding cache, catalog upserts, logs, models)
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
 * @param consumedBy reactions after which an item never comes back to the user (none by default)
 * @param learning the trainer's cadence and hyper-parameters
 * @param online the fast learner: learned item parameters, users' posteriors, confidence bonus
 * @param maxConcurrentScoring Recommend calls admitted at once at most; more are refused (RESOURCE_EXHAUSTED)
 * @param scoringLatencyBudget admitted calls follow the completion rate x this (zero: always maxConcurrentScoring)
 * @param maxBatchSize concurrent Recommend calls scored together (1: no batching)
 * @param maxQueueDelay how long a call may wait for its batch to fill, at most
 * @param queueDelayMode whether a batch always waits that long to fill or only while waiting pays
 * @param metricsPort the port of the Prometheus endpoint ({@code /metrics}), 0 for any free one,
 *     -1 for none
 * @param tls TLS (and mutual TLS) on the gRPC ports, or plaintext
 * @param tokenFile the bearer tokens feedback, catalog changes and admin calls need; none: no check
 * @param adminPort a port of its own for the admin service (0 for any free one), bound to {@code
 *     adminAddress}; -1: the admin service is on the main port
 * @param adminAddress the address the admin port is bound to (loopback by default)
 * @param modelVersionsKept learned model versions the data dir keeps besides the baseline and the
 *     live one (older ones are forgotten: weights deleted, history compacted)
 * @param kafkaLog the feedback log on a Kafka topic that serving replicas share; empty: the local
 *     segmented log in the data dir (the embedded default)
 * @param modelStore a model store shared by replicas: the trainer writes versions there, followers
 *     read them; empty: the data dir's own
 * @param followModelStore serve what the trainer publishes in {@code modelStore} instead of training
 * @param modelPollInterval how often a follower looks for a new live version
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
    Set<ReactionType> consumedBy,
    LearningSettings learning,
    OnlineLearningSettings online,
    int maxConcurrentScoring,
    Duration scoringLatencyBudget,
    int maxBatchSize,
    Duration maxQueueDelay,
    BatchWait.Mode queueDelayMode,
    int metricsPort,
    TlsSettings tls,
    Optional<Path> tokenFile,
    int adminPort,
    String adminAddress,
    int modelVersionsKept,
    Optional<KafkaLogSettings> kafkaLog,
    Optional<Path> modelStore,
    boolean followModelStore,
    Duration modelPollInterval) {

  public static final int DEFAULT_PORT = 50051;
  public static final Path DEFAULT_DATA_DIR = Path.of("./data");
  private static final Duration MAX_QUEUE_DELAY = Duration.ofMillis(100);

  /** A value made without the builder is checked by the same rules. */
  public ServerConfig {
    checkedPort(port);
    checkedOnnxThreads(onnxThreads);
    checkedMaxCachedUsers(maxCachedUsers);
    checkedPopularityWeight(popularityWeight);
    checkedDrainTimeout(drainTimeout);
    checkedCandidates(candidates);
    consumedBy = Set.copyOf(consumedBy);
    checkedMaxConcurrentScoring(maxConcurrentScoring);
    checkedScoringLatencyBudget(scoringLatencyBudget);
    checkedMaxBatchSize(maxBatchSize);
    checkedMaxQueueDelay(maxQueueDelay);
    SettingChecks.present("queue-delay-mode", queueDelayMode);
    checkedMetricsPort(metricsPort);
    SettingChecks.present("tls", tls);
    SettingChecks.present("token-file", tokenFile);
    checkedAdminPort(adminPort);
    SettingChecks.present("admin-address", adminAddress);
    checkedModelVersionsKept(modelVersionsKept);
    SettingChecks.present("feedback-log", kafkaLog);
    SettingChecks.present("model-store", modelStore);
    checkedModelPollInterval(modelPollInterval);
    if (followModelStore && modelStore.isEmpty()) {
      throw new IllegalArgumentException("reranker follow needs model-store: the directory the trainer publishes to");
    }
    if (followModelStore && learning.enabled()) {
      throw new IllegalArgumentException("a replica that follows a model store does not train too");
    }
  }

  private static Duration checkedModelPollInterval(Duration v) {
    return SettingChecks.inRange("model-poll-ms", v, Duration.ofMillis(10), Duration.ofMinutes(10));
  }

  private static int checkedModelVersionsKept(int value) {
    if (value < 1 || value > 10_000) {
      throw new IllegalArgumentException("model-versions-kept must be in [1, 10000], got " + value);
    }
    return value;
  }

  // Each bounded setting's rule, written once: the builder applies it as the setting is set.
  private static int checkedPort(int v) { return SettingChecks.inRange("port", v, 0, 65_535); }
  private static int checkedMetricsPort(int v) { return SettingChecks.inRange("metrics-port", v, -1, 65_535); }
  private static int checkedAdminPort(int v) { return SettingChecks.inRange("admin-port", v, -1, 65_535); }
  private static Duration checkedScoringLatencyBudget(Duration v) {
    return SettingChecks.inRange("scoring-latency-budget", v, Duration.ZERO, Duration.ofSeconds(60));
  }

  private static int checkedOnnxThreads(int v) { return SettingChecks.atLeast("onnx-threads", v, 1); }
  private static long checkedMaxCachedUsers(long v) { return SettingChecks.atLeast("max-cached-users", v, 1); }
  private static float checkedPopularityWeight(float v) { return SettingChecks.finiteAtLeastZero("popularity-weight", v); }
  private static Duration checkedDrainTimeout(Duration v) { return SettingChecks.notNegative("drain-timeout", v); }
  private static int checkedCandidates(int v) { return SettingChecks.inRange("candidates", v, 1, 10_000); }
  private static int checkedMaxConcurrentScoring(int v) { return SettingChecks.atLeast("max-concurrent-scoring", v, 1); }
  private static int checkedMaxBatchSize(int v) { return SettingChecks.inRange("max-batch-size", v, 1, 256); }
  private static Duration checkedMaxQueueDelay(Duration v) {
    return SettingChecks.inRange("max-queue-delay", v, Duration.ZERO, MAX_QUEUE_DELAY);
  }

  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** The defaults, serving the embedded catalog from {@code dataDir}. */
  public static ServerConfig defaults(Path dataDir) {
    return builder(dataDir).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public ServerConfig withPort(int newPort) {
    return toBuilder().port(newPort).build();
  }

  public ServerConfig withCatalogFile(Path file) {
    return toBuilder().catalogFile(file).build();
  }

  public ServerConfig withUserVectorsFile(Path file) {
    return toBuilder().userVectorsFile(file).build();
  }

  public ServerConfig withExploration(Exploration newExploration) {
    return toBuilder().exploration(newExploration).build();
  }

  public ServerConfig withBatching(int newMaxBatchSize, Duration newMaxQueueDelay) {
    return toBuilder().maxBatchSize(newMaxBatchSize).maxQueueDelay(newMaxQueueDelay).build();
  }

  public ServerConfig withOnnxSpinning(boolean spinning) {
    return toBuilder().onnxSpinning(spinning).build();
  }

  public ServerConfig withDevice(OnnxRuntime.Device newDevice) {
    return toBuilder().device(newDevice).build();
  }

  public ServerConfig withCandidates(int newCandidates) {
    return toBuilder().candidates(newCandidates).build();
  }

  public ServerConfig withMaxConcurrentScoring(int calls) {
    return toBuilder().maxConcurrentScoring(calls).build();
  }

  public ServerConfig withLearning(LearningSettings newLearning) {
    return toBuilder().learning(newLearning).build();
  }

  public ServerConfig withFeedback(FeedbackConfig newFeedback) {
    return toBuilder().feedback(newFeedback).build();
  }

  /** Builds a config setting by setting; each setter refuses a bad value at once. */
  public static final class Builder {
    private int port = DEFAULT_PORT;
    private Path dataDir;
    private Optional<Path> catalogFile = Optional.empty();
    private Optional<Path> userVectorsFile = Optional.empty();
    private OnnxRuntime.Device device = OnnxRuntime.Device.AUTO;
    private int onnxThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private boolean onnxSpinning;
    private long maxCachedUsers = 200_000;
    private float popularityWeight = 0.1f;
    private Duration drainTimeout = Duration.ofSeconds(20);
    private FeedbackConfig feedback = FeedbackConfig.defaults();
    private Exploration exploration = new EpsilonGreedy(0.05);
    private int candidates = 100;
    private Set<ReactionType> consumedBy = Set.of();
    private LearningSettings learning = LearningSettings.defaults();
    private OnlineLearningSettings online = OnlineLearningSettings.defaults();
    private int maxConcurrentScoring = 2_048;
    // Absorbs a stall of up to ~200 ms at half load (100 ms refused 57 calls in one compare run);
    // bounds the queue an overload builds to about this long.
    private Duration scoringLatencyBudget = Duration.ofMillis(250);
    private int maxBatchSize = 64;
    // Greedy batching: a free batcher takes whatever is queued at once; calls that arrive while a
    // batch runs form the next one. Waiting for more only added latency on CPU (compare).
    // The bound of an adaptive wait, which a lone caller never pays (BatchWait); about two batch-of-one
    // times of the 100,000 x 64 catalog on a 2-core CPU.
    private Duration maxQueueDelay = Duration.ofMillis(2);
    private BatchWait.Mode queueDelayMode = BatchWait.Mode.ADAPTIVE;
    private int metricsPort = -1;
    private TlsSettings tls = TlsSettings.PLAINTEXT;
    private Optional<Path> tokenFile = Optional.empty();
    private int adminPort = -1;
    private String adminAddress = "127.0.0.1";
    private int modelVersionsKept = ModelRetention.DEFAULT_KEPT;
    private Optional<KafkaLogSettings> kafkaLog = Optional.empty();
    private Optional<Path> modelStore = Optional.empty();
    private boolean followModelStore;
    private Duration modelPollInterval = Duration.ofSeconds(1);

    private Builder(Path dataDir) {
      dataDir(dataDir);
    }

    private Builder(ServerConfig c) {
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
      consumedBy = c.consumedBy;
      learning = c.learning;
      online = c.online;
      maxConcurrentScoring = c.maxConcurrentScoring;
      scoringLatencyBudget = c.scoringLatencyBudget;
      maxBatchSize = c.maxBatchSize;
      maxQueueDelay = c.maxQueueDelay;
      queueDelayMode = c.queueDelayMode;
      metricsPort = c.metricsPort;
      tls = c.tls;
      tokenFile = c.tokenFile;
      adminPort = c.adminPort;
      adminAddress = c.adminAddress;
      modelVersionsKept = c.modelVersionsKept;
      kafkaLog = c.kafkaLog;
      modelStore = c.modelStore;
      followModelStore = c.followModelStore;
      modelPollInterval = c.modelPollInterval;
    }

    public Builder port(int value) {
      port = checkedPort(value);
      return this;
    }

    public Builder dataDir(Path value) {
      dataDir = SettingChecks.present("data-dir", value);
      return this;
    }

    /** Null: the embedded catalog. */
    public Builder catalogFile(Path value) {
      catalogFile = Optional.ofNullable(value);
      return this;
    }

    /** Null: every user starts from the cold-start state. */
    public Builder userVectorsFile(Path value) {
      userVectorsFile = Optional.ofNullable(value);
      return this;
    }

    public Builder device(OnnxRuntime.Device value) {
      device = SettingChecks.present("device", value);
      return this;
    }

    public Builder onnxThreads(int value) {
      onnxThreads = checkedOnnxThreads(value);
      return this;
    }

    public Builder onnxSpinning(boolean value) {
      onnxSpinning = value;
      return this;
    }

    public Builder maxCachedUsers(long value) {
      maxCachedUsers = checkedMaxCachedUsers(value);
      return this;
    }

    public Builder popularityWeight(float value) {
      popularityWeight = checkedPopularityWeight(value);
      return this;
    }

    public Builder drainTimeout(Duration value) {
      drainTimeout = checkedDrainTimeout(value);
      return this;
    }

    public Builder exploration(Exploration value) {
      exploration = SettingChecks.present("exploration", value);
      return this;
    }

    /** Reactions after which the item is kept out of the user's later lists, e.g. purchase. */
    public Builder consumedBy(Set<ReactionType> value) {
      consumedBy = Set.copyOf(value);
      return this;
    }

    public Builder candidates(int value) {
      candidates = checkedCandidates(value);
      return this;
    }

    public Builder scoringLatencyBudget(Duration value) {
      scoringLatencyBudget = checkedScoringLatencyBudget(value);
      return this;
    }

    public Builder maxConcurrentScoring(int value) {
      maxConcurrentScoring = checkedMaxConcurrentScoring(value);
      return this;
    }

    public Builder maxBatchSize(int value) {
      maxBatchSize = checkedMaxBatchSize(value);
      return this;
    }

    /** The Prometheus endpoint's port; 0 for any free one, -1 for none (the default). */
    public Builder metricsPort(int value) {
      metricsPort = checkedMetricsPort(value);
      return this;
    }

    public Builder tls(TlsSettings value) {
      tls = SettingChecks.present("tls", value);
      return this;
    }

    /** Null: no token is asked for. */
    public Builder tokenFile(Path value) {
      tokenFile = Optional.ofNullable(value);
      return this;
    }

    /** A port of its own for the admin service; -1 (the default) keeps it on the main port. */
    public Builder adminPort(int value) {
      adminPort = checkedAdminPort(value);
      return this;
    }

    public Builder adminAddress(String value) {
      adminAddress = SettingChecks.present("admin-address", value);
      return this;
    }

    public Builder modelVersionsKept(int value) {
      modelVersionsKept = checkedModelVersionsKept(value);
      return this;
    }

    /** The feedback log on Kafka (empty: the local log in the data dir). */
    public Builder kafkaLog(Optional<KafkaLogSettings> value) {
      kafkaLog = SettingChecks.present("feedback-log", value);
      return this;
    }

    /** A model store shared by replicas (empty: the data dir's own). */
    public Builder modelStore(Optional<Path> value) {
      modelStore = SettingChecks.present("model-store", value);
      return this;
    }

    /** Serve what the trainer publishes in the model store, training nothing here. */
    public Builder followModelStore(boolean value) {
      followModelStore = value;
      return this;
    }

    public Builder modelPollInterval(Duration value) {
      modelPollInterval = checkedModelPollInterval(value);
      return this;
    }

    public Builder maxQueueDelay(Duration value) {
      maxQueueDelay = checkedMaxQueueDelay(value);
      return this;
    }

    public Builder queueDelayMode(BatchWait.Mode value) {
      queueDelayMode = SettingChecks.present("queue-delay-mode", value);
      return this;
    }

    public Builder learning(LearningSettings value) {
      learning = SettingChecks.present("learning", value);
      return this;
    }

    /** Changes the fast learner's settings, e.g. {@code online(o -> o.withEnabled(false))}. */
    public Builder online(UnaryOperator<OnlineLearningSettings> change) {
      online = SettingChecks.present("online", change.apply(online));
      return this;
    }

    public Builder feedback(FeedbackConfig value) {
      feedback = SettingChecks.present("feedback", value);
      return this;
    }

    /** Changes the feedback loop's settings, e.g. {@code feedback(f -> f.withJoinWindow(...))}. */
    public Builder feedback(UnaryOperator<FeedbackConfig> change) {
      return feedback(change.apply(feedback));
    }

    public ServerConfig build() {
      return new ServerConfig(
          port, dataDir, catalogFile, userVectorsFile, device, onnxThreads, onnxSpinning, maxCachedUsers, popularityWeight,
          drainTimeout, feedback, exploration, candidates, consumedBy, learning, online, maxConcurrentScoring, scoringLatencyBudget, maxBatchSize,
          maxQueueDelay, queueDelayMode, metricsPort, tls, tokenFile, adminPort, adminAddress, modelVersionsKept, kafkaLog, modelStore, followModelStore, modelPollInterval);
    }
  }
}
