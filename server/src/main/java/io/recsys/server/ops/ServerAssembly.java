package io.recsys.server.ops;

import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.recsys.server.api.AdminGrpcService;
import io.recsys.server.api.CatalogGrpcService;
import io.recsys.server.api.FeedbackGrpcService;
import io.recsys.server.api.MalformedRequestGuard;
import io.recsys.server.api.RecommenderGrpcService;
import io.recsys.server.api.TrainingControl;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.feedback.Checkpointer;
import io.recsys.server.feedback.UserErasure;
import io.recsys.server.feedback.UserExport;
import io.recsys.server.storage.AuditLog;
import io.recsys.server.user.UserState;
import java.util.function.Function;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.OnlineUpdates;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.feedback.kafka.KafkaFeedbackLog;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.learning.ItemParameters;
import io.recsys.server.learning.ItemSpacePublisher;
import io.recsys.server.learning.LearningLoop;
import io.recsys.server.learning.ModelRetention;
import io.recsys.server.learning.ModelStore;
import io.recsys.server.learning.OnlineLearner;
import io.recsys.server.learning.OnlineLearningSettings;
import io.recsys.server.learning.QRange;
import io.recsys.server.learning.SafetyGate;
import io.recsys.server.model.CatalogUpdater;
import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelStoreFollower;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.EventIds;
import io.recsys.server.policy.Exploration;
import io.recsys.server.policy.RecommendPipeline;
import io.recsys.server.policy.Recommender;
import io.recsys.server.storage.DataDirectory;
import io.recsys.server.storage.SnapshotFiles;
import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.storage.snapshot.SnapshotHeader;
import io.recsys.server.user.Posterior;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserSnapshots;
import io.recsys.server.user.UserStateStore;
import io.recsys.server.user.UserVectorFiles;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.RecommenderServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the server's parts from a {@link ServerConfig} in data-flow order
 * (data dir, catalog, models, users, feedback, learning, the Recommend pipeline, the gRPC
 * services) and nothing else. Each part that holds a resource is pushed onto {@code resources}
 * the moment it exists, so the caller releases, in reverse, whatever was built, also when a
 * later step fails.
 */
final class ServerAssembly {
  private static final Logger log = LoggerFactory.getLogger(ServerAssembly.class);

  /** The started gRPC ports, their health service, and what they serve, for the start-up log line. */
  /** @param metricsPort the Prometheus endpoint's port, -1 when metrics are off */
  record Assembled(
      GrpcEndpoints endpoints, HealthStatusManager health, FeedbackGrpcService feedbackService, String modelVersion, long catalogVersion,
      int catalogSize, int metricsPort) {}

  /** Fixed, so the content projection and the items' starting vectors are the same at every start. */
  private static final long ITEM_SEED = 0x5EED_1753L;

  private final ServerConfig config;
  private final Deque<AutoCloseable> resources;
  private final Instant startedAt = Instant.now();
  /** Snapshots kept: the newest, and one before it in case the newest is damaged. */
  private static final int SNAPSHOTS_KEPT = 2;
  /** The audit log rolls over past this (one older file is kept). */
  private static final long AUDIT_LOG_BYTES = 16L << 20;
  /** The log position of the snapshot this start restored; 0 without one. */
  private long restoredPosition;

  private ServerAssembly(ServerConfig config, Deque<AutoCloseable> resources) {
    this.config = config;
    this.resources = resources;
  }

  /** Builds and starts everything; on failure, what was built is in {@code resources}. */
  static Assembled assemble(ServerConfig config, Deque<AutoCloseable> resources) throws IOException {
    return new ServerAssembly(config, resources).assemble();
  }

  private <T extends AutoCloseable> T own(T resource) {
    resources.push(resource);
    return resource;
  }

  private Assembled assemble() throws IOException {
    DataDirectory dataDir = own(DataDirectory.open(config.dataDir()));
    log.info("Data dir {}", dataDir.path().toAbsolutePath());
    OnnxRuntime runtime = new OnnxRuntime(config.device(), config.onnxThreads(), config.onnxSpinning());
    Catalog catalog = own(openCatalog(dataDir, runtime));
    UserStateStore users = loadUsers(catalog.dimension());
    FastLearner fast = fastLearner(catalog, users);
    ModelRegistry models = own(fast.registry(runtime, catalog.current()));
    ReplayBuffer replayBuffer = new ReplayBuffer(config.feedback().replayCapacity());
    // Closed last of the feedback loop (pushed before it): the last snapshot, once the effects finished.
    AtomicReference<Checkpointer> snapshots = new AtomicReference<>();
    resources.push(() -> {
      if (snapshots.get() != null) {
        snapshots.get().close();
      }
    });
    // Closed after the log (pushed before it): lets the last effects finish.
    FeedbackProcessor feedback =
        own(new FeedbackProcessor(
            catalog::current, users, replayBuffer, Clock.systemUTC(), config.feedback().processor(), fast.updates()));
    List<SnapshotPart> parts = snapshotParts(catalog, users, fast);
    SegmentedFeedbackLog fileLog = null;
    KafkaFeedbackLog kafkaLog = null;
    SnapshotFiles snapshotFiles = SnapshotFiles.open(dataDir.snapshots(), SNAPSHOTS_KEPT);
    if (config.kafkaLog().isPresent()) {
      kafkaLog = openKafkaLog(config.kafkaLog().get(), feedback, replayBuffer, users, snapshotFiles, parts);
      snapshots.set(new Checkpointer(feedback, parts, snapshotFiles, kafkaLog, config.feedback().snapshots(), restoredPosition).start());
    } else {
      fileLog = openFeedbackLog(dataDir, feedback, replayBuffer, users, snapshotFiles, parts);
      snapshots.set(new Checkpointer(feedback, parts, snapshotFiles, fileLog, config.feedback().snapshots(), restoredPosition).start());
    }
    closeJoinWindowsEverySecond(feedback);
    if (fast.items() != null) {
      models.republishItemSpace(); // what the replay taught the items serves from the first call
      own(ItemSpacePublisher.start(fast.items(), models, config.online().publishInterval()));
    }
    TrainingControl training = startLearning(dataDir, catalog, models, replayBuffer);
    Recommender recommender =
        new Recommender(
            models, users, fast.posteriors(), new EventIds(), feedback, config.exploration(), config.candidates(), config.consumedBy());
    // Closed after the gRPC server drains, before the models close.
    RecommendPipeline pipeline = own(new RecommendPipeline(recommender, config.maxBatchSize(), config.queueDelayMode(), config.maxQueueDelay()));

    HealthStatusManager health = new HealthStatusManager();
    MalformedRequestGuard guard = new MalformedRequestGuard();
    UserErasure erasure =
        new UserErasure(feedback, snapshots.get(), new AuditLog(dataDir.auditLog(), AUDIT_LOG_BYTES), dataDir.erasureInProgress(), Clock.systemUTC());
    erasure.finishInterrupted(); // before the first list: nobody forgotten comes back from an older snapshot
    AdminGrpcService admin =
        new AdminGrpcService(
            models, catalog, users, feedback, replayBuffer, training, pipeline::meanBatchSize, guard::malformedRequests, startedAt,
            erasure,
            new UserExport(users, replayBuffer, feedback, learnedPreferences(fast.posteriors())));
    // Innermost first: metrics see every call, the token check runs before a scoring permit is taken.
    ScoringBulkhead admission = new ScoringBulkhead(config.maxConcurrentScoring(), config.scoringLatencyBudget());
    List<ServerInterceptor> interceptors = new ArrayList<>(List.of(admission));
    BearerTokenAuth auth = null;
    if (config.tokenFile().isPresent()) {
      auth = new BearerTokenAuth(TokenFile.load(config.tokenFile().get()));
      interceptors.add(auth);
    }
    int metricsPort = -1;
    if (config.metricsPort() >= 0) {
      ServerMetrics metrics = new ServerMetrics();
      metrics.bindFeedback(feedback, replayBuffer);
      metrics.bindSnapshots(snapshots.get());
      metrics.bindErasure(erasure);
      if (fileLog != null) {
        metrics.bindFileLog(fileLog);
      } else {
        metrics.bindKafkaLog(kafkaLog);
      }
      metrics.bindUsers(users);
      metrics.bindAdmission(admission);
      metrics.bindLearning(training, models);
      metrics.bindServing(pipeline, models.runtime().timings(), catalog, guard::malformedRequests);
      if (auth != null) {
        metrics.bindAuth(auth);
      }
      interceptors.add(metrics.grpcInterceptor());
      metricsPort = own(MetricsEndpoint.start(config.metricsPort(), metrics)).port();
      log.info("Metrics on http://0.0.0.0:{}/metrics", metricsPort);
    }
    FeedbackGrpcService feedbackService = new FeedbackGrpcService(feedback, config.feedback().streamWindow());
    GrpcEndpoints endpoints =
        GrpcEndpoints.start(
            config,
            interceptors,
            List.of(
                guard.guard(new RecommenderGrpcService(pipeline, catalog::current).bindService()),
                guard.guard(new CatalogGrpcService(catalog, new CatalogUpdater(catalog, models)).bindService()),
                guard.guard(feedbackService.bindService())),
            guard.guard(admin.bindService()),
            List.of(
                guard.guard(health.getHealthService().bindService()),
                guard.guard(ProtoReflectionServiceV1.newInstance().bindService())));
    log.info(
        "gRPC: {} on port {}{}, tokens {}",
        config.tls().mutual() ? "mutual TLS" : config.tls().enabled() ? "TLS" : "plaintext",
        endpoints.port(),
        endpoints.adminPort() >= 0 ? ", admin on " + config.adminAddress() + ":" + endpoints.adminPort() : "",
        auth == null ? "off (anyone who reaches the port may send feedback and operate it)" : "required for feedback, catalog changes and admin");
    markServing(health);
    return new Assembled(endpoints, health, feedbackService, models.liveVersion(), catalog.current().version(), catalog.current().size(), metricsPort);
  }

  /** A user's learned preferences: their posterior mean; none without a fast learner or before their first reaction. */
  private static Function<UserState, double[]> learnedPreferences(UserPosteriors posteriors) {
    return state -> posteriors == null || state.posterior() == null ? new double[0] : posteriors.fit(state).mean();
  }

  /** The fast learner's parts, or none of them (content-only retrieval). */
  private record FastLearner(ItemParameters items, UserPosteriors posteriors, OnlineUpdates updates, float popularityWeight) {
    ModelRegistry registry(OnnxRuntime runtime, CatalogSnapshot catalog) {
      return items == null
          ? new ModelRegistry(runtime, popularityWeight, catalog)
          : new ModelRegistry(
              runtime, items,
              "learned item vectors (" + items.dimension() + "-d) and biases, users' posteriors, confidence bonus", catalog);
    }
  }

  /** On when collaborative learning is on and feedback moves anything at all. */
  private FastLearner fastLearner(Catalog catalog, UserStateStore users) {
    OnlineLearningSettings online = config.online();
    if (!online.enabled() || !config.feedback().processor().learning()) {
      return new FastLearner(null, null, OnlineUpdates.NONE, config.popularityWeight());
    }
    ItemParameters items = new ItemParameters(online, config.popularityWeight(), ITEM_SEED);
    UserPosteriors posteriors = new UserPosteriors(online.dimension(), online.users());
    log.info(
        "Fast learner: {}-d item space ({} content, {} learned, 1 intercept), {} bytes per user posterior",
        online.dimension(), online.contentDimensions(), online.factors(), Posterior.bytesFor(online.dimension()));
    return new FastLearner(items, posteriors, new OnlineLearner(catalog::current, users, posteriors, items), config.popularityWeight());
  }

  /** The configured catalog file or the embedded default; the language model only if it needs one. */
  private Catalog openCatalog(DataDirectory dataDir, OnnxRuntime runtime) throws IOException {
    List<CatalogItem> baseItems =
        config.catalogFile().isPresent() ? CatalogFiles.read(config.catalogFile().get()) : CatalogFiles.readEmbeddedDefault();
    log.info(
        "Catalog source: {} ({} items)",
        config.catalogFile().map(Object::toString).orElse("embedded goodbooks-10k"), baseItems.size());
    return Catalog.open(
        baseItems,
        dataDir,
        () -> {
          MiniLmEmbedder embedder = own(MiniLmEmbedder.load(runtime));
          log.info("Language model {} loaded ({}-d, on {})", embedder.modelId(), embedder.dimension(), runtime.deviceName());
          return embedder;
        });
  }

  private UserStateStore loadUsers(int dimension) throws IOException {
    UserStateStore users = new UserStateStore(config.maxCachedUsers(), dimension);
    if (config.userVectorsFile().isPresent()) {
      Path file = config.userVectorsFile().get();
      long start = System.nanoTime();
      int loaded = UserVectorFiles.load(file, users);
      log.info("User states: {} users' vectors from {} in {} ms", loaded, file, (System.nanoTime() - start) / 1_000_000);
      if (loaded > config.maxCachedUsers()) {
        log.warn("{} users' vectors, but max-cached-users is {}: the least used ones will be evicted", loaded, config.maxCachedUsers());
      }
    }
    return users;
  }

  /** What a snapshot holds besides the feedback processor's own parts: users, and the fast learner's state. */
  private static List<SnapshotPart> snapshotParts(Catalog catalog, UserStateStore users, FastLearner fast) {
    List<SnapshotPart> parts = new ArrayList<>(List.of(UserSnapshots.states(users)));
    if (fast.items() != null) {
      parts.add(UserSnapshots.population(fast.posteriors().population()));
      parts.add(fast.items().snapshotPart(catalog::current));
    }
    return parts;
  }

  /**
   * Restores the newest snapshot, replays the log after it into the feedback loop, then attaches
   * the log.
   */
  private SegmentedFeedbackLog openFeedbackLog(
      DataDirectory dataDir, FeedbackProcessor feedback, ReplayBuffer replayBuffer, UserStateStore users,
      SnapshotFiles snapshotFiles, List<SnapshotPart> parts)
      throws IOException {
    long restoreStart = System.nanoTime();
    List<SnapshotPart> restoring = new ArrayList<>(feedback.ownParts());
    restoring.addAll(parts);
    Optional<SnapshotHeader> snapshot = snapshotFiles.restoreNewest(restoring);
    if (snapshot.isPresent() && snapshot.get().getPartitionOffsetsCount() > 0) {
      throw new IllegalStateException(
          "the data dir's snapshots were taken with the feedback log on Kafka: start with --feedback-log kafka, or on a data dir of its own");
    }
    long joinFrom = snapshot.map(SnapshotHeader::getJoinFrom).orElse(0L);
    restoredPosition = snapshot.map(SnapshotHeader::getLogPosition).orElse(0L);
    feedback.resumeFrom(joinFrom, restoredPosition);
    long replayStart = System.nanoTime();
    SegmentedFeedbackLog feedbackLog =
        own(SegmentedFeedbackLog.open(dataDir.feedbackLog(), config.feedback().log(), joinFrom, restoredPosition, feedback::replay));
    feedback.attach(feedbackLog);
    log.info(
        "Feedback state: {}, then {} log records replayed in {} ms: {} durable events, {} transitions in the replay buffer,"
            + " {} open impressions, {} users",
        snapshot.isPresent() ? "snapshot at record " + restoredPosition + " restored in " + (replayStart - restoreStart) / 1_000_000 + " ms" : "no snapshot",
        feedbackLog.recordCount() - joinFrom,
        (System.nanoTime() - replayStart) / 1_000_000,
        feedback.durableFeedbackEvents(),
        replayBuffer.size(),
        feedback.openImpressions(),
        users.size());
    return feedbackLog;
  }

  /**
   * Restores this replica's newest snapshot, opens the Kafka topic the replicas share and replays
   * it from the snapshot's offsets (from where the lists open at the snapshot were served, to
   * rebuild their join windows; the whole topic without a snapshot), attaches it, then applies
   * what other replicas append from now on.
   */
  private KafkaFeedbackLog openKafkaLog(
      KafkaLogSettings settings, FeedbackProcessor feedback, ReplayBuffer replayBuffer, UserStateStore users,
      SnapshotFiles snapshotFiles, List<SnapshotPart> parts) throws IOException {
    long start = System.nanoTime();
    List<SnapshotPart> restoring = new ArrayList<>(feedback.ownParts());
    restoring.addAll(parts);
    Optional<SnapshotHeader> snapshot = snapshotFiles.restoreNewest(restoring);
    KafkaFeedbackLog.Resume resume = KafkaFeedbackLog.Resume.FROM_THE_BEGINNING;
    if (snapshot.isPresent()) {
      if (snapshot.get().getPartitionOffsetsCount() == 0) {
        throw new IllegalStateException(
            "the data dir's snapshots were taken with the local feedback log, not on Kafka: start this replica on a data dir of its own");
      }
      // Lists still open at the snapshot were served within the join window before it (plus a minute of clock skew).
      long rebuildFrom =
          snapshot.get().getCreatedMicros() / 1_000 - config.feedback().processor().joinWindow().toMillis() - 60_000;
      resume = new KafkaFeedbackLog.Resume(snapshot.get().getPartitionOffsetsList(), rebuildFrom, snapshot.get().getLogPosition());
      restoredPosition = snapshot.get().getLogPosition();
      log.info(
          "Snapshot restored in {} ms; resuming topic {} after offsets {}",
          (System.nanoTime() - start) / 1_000_000, settings.topic(), snapshot.get().getPartitionOffsetsList());
    }
    KafkaFeedbackLog feedbackLog = own(KafkaFeedbackLog.open(settings, resume, feedback::replayShared));
    feedback.attach(feedbackLog);
    feedbackLog.startTailing(feedback::applyShared);
    log.info(
        "Feedback state from Kafka topic {}: {} records in {} ms: {} durable events, {} transitions in the replay buffer,"
            + " {} open impressions, {} users",
        settings.topic(), feedbackLog.recordCount(), (System.nanoTime() - start) / 1_000_000, feedback.durableFeedbackEvents(),
        replayBuffer.size(), feedback.openImpressions(), users.size());
    return feedbackLog;
  }

  private void closeJoinWindowsEverySecond(FeedbackProcessor feedback) {
    ScheduledExecutorService joinWindows =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "join-windows");
              thread.setDaemon(true);
              return thread;
            });
    joinWindows.scheduleWithFixedDelay(feedback::expireJoinWindows, 1, 1, TimeUnit.SECONDS);
    resources.push(joinWindows::shutdownNow);
  }

  /** Starts the trainer when learning is on; the admin API reaches it through the returned control. */
  private TrainingControl startLearning(DataDirectory dataDir, Catalog catalog, ModelRegistry models, ReplayBuffer replayBuffer)
      throws IOException {
    if (config.followModelStore()) {
      Path store = config.modelStore().orElseThrow();
      own(ModelStoreFollower.start(store, models, catalog.dimension(), config.modelPollInterval()));
      return TrainingControl.following(store.toString());
    }
    if (!config.feedback().processor().learning() || !config.learning().enabled()) {
      return TrainingControl.off();
    }
    QRange range = QRange.reachable(config.feedback().processor().rewards(), config.learning().trainer().gamma());
    RewardFunction rewards = config.feedback().processor().rewards();
    SafetyGate gate = new SafetyGate(config.learning().gate(), config.exploration(), range, new RewardRange(rewards.lowest(), rewards.highest()));
    LearningLoop learning =
        new LearningLoop(
            config.learning(), replayBuffer, catalog::current, models, gate, modelStore(dataDir), range, catalog.dimension());
    learning.start();
    own(learning);
    log.info(
        "Trainer started: Double DQN, a candidate every {} steps, safety gate margin {}",
        config.learning().candidateEverySteps(), config.learning().gate().margin());
    return new LearningLoopControl(learning);
  }

  /** The trainer's store: the data dir's own, or the one it shares with the replicas that follow it. */
  private ModelStore modelStore(DataDirectory dataDir) throws IOException {
    ModelRetention retention = new ModelRetention(config.modelVersionsKept());
    if (config.modelStore().isPresent()) {
      log.info("Publishing model versions to the shared model store at {}", config.modelStore().get());
      return ModelStore.openShared(config.modelStore().get(), retention);
    }
    return ModelStore.open(dataDir.path(), retention);
  }

  private static void markServing(HealthStatusManager health) {
    for (String service :
        List.of(
            RecommenderServiceGrpc.SERVICE_NAME,
            CatalogServiceGrpc.SERVICE_NAME,
            FeedbackServiceGrpc.SERVICE_NAME,
            AdminServiceGrpc.SERVICE_NAME,
            HealthStatusManager.SERVICE_NAME_ALL_SERVICES)) {
      health.setStatus(service, ServingStatus.SERVING);
    }
  }
}
