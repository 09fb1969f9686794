package io.recsys.server.ops;

import io.recsys.server.storage.DataDirectory;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.recsys.server.api.AdminGrpcService;
import io.recsys.server.api.ApiLimits;
import io.recsys.server.api.MalformedRequestGuard;
import io.recsys.server.api.CatalogGrpcService;
import io.recsys.server.api.FeedbackGrpcService;
import io.recsys.server.api.RecommenderGrpcService;
import io.recsys.server.api.TrainingControl;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.learning.LearningLoop;
import io.recsys.server.learning.ModelStore;
import io.recsys.server.learning.QRange;
import io.recsys.server.learning.SafetyGate;
import io.recsys.server.model.CatalogUpdater;
import io.recsys.server.policy.EpsilonGreedy;
import io.recsys.server.policy.Exploration;
import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.EventIds;
import io.recsys.server.policy.RecommendPipeline;
import io.recsys.server.policy.Recommender;
import io.recsys.server.user.UserStateStore;
import io.recsys.server.user.UserVectorFiles;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.RecommenderServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server process: {@link #start}, {@link #stop}, {@link #awaitTermination}. Wires the parts in
 * data-flow order and releases them in reverse, after the gRPC server has drained.
 */
public final class RecsysServer {
  private static final Logger log = LoggerFactory.getLogger(RecsysServer.class);

  private final ServerConfig config;
  private final Server server;
  private final HealthStatusManager health;
  private final Deque<AutoCloseable> resources;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean stopping;

  private RecsysServer(
      ServerConfig config, Server server, HealthStatusManager health, Deque<AutoCloseable> resources) {
    this.config = config;
    this.server = server;
    this.health = health;
    this.resources = resources;
  }

  /** Loads the catalog and models, then starts serving; returns once the port is open. */
  public static RecsysServer start(ServerConfig config) throws IOException {
    long begin = System.nanoTime();
    Instant startedAt = Instant.now();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      DataDirectory dataDir = DataDirectory.open(config.dataDir());
      resources.push(dataDir);
      log.info("Data dir {}", dataDir.path().toAbsolutePath());

      OnnxRuntime runtime = new OnnxRuntime(config.device(), config.onnxThreads(), config.onnxSpinning());
      List<CatalogItem> baseItems =
          config.catalogFile().isPresent()
              ? CatalogFiles.read(config.catalogFile().get())
              : CatalogFiles.readEmbeddedDefault();
      log.info(
          "Catalog source: {} ({} items)",
          config.catalogFile().map(Object::toString).orElse("embedded goodbooks-10k"), baseItems.size());
      Catalog catalog =
          Catalog.open(
              baseItems,
              dataDir,
              () -> {
                MiniLmEmbedder embedder = MiniLmEmbedder.load(runtime);
                resources.push(embedder);
                log.info("Language model {} loaded ({}-d, on {})", embedder.modelId(), embedder.dimension(), runtime.deviceName());
                return embedder;
              });
      resources.push(catalog);

      ModelRegistry models = new ModelRegistry(runtime, config.popularityWeight(), catalog.current());
      resources.push(models);
      UserStateStore users = new UserStateStore(config.maxCachedUsers(), catalog.dimension());
      if (config.userVectorsFile().isPresent()) {
        Path file = config.userVectorsFile().get();
        long start = System.nanoTime();
        int loaded = UserVectorFiles.load(file, users);
        log.info("User states: {} users' vectors from {} in {} ms", loaded, file, (System.nanoTime() - start) / 1_000_000);
        if (loaded > config.maxCachedUsers()) {
          log.warn("{} users' vectors, but --max-cached-users is {}: the least used ones will be evicted", loaded, config.maxCachedUsers());
        }
      }
      FeedbackConfig feedbackConfig = config.feedback();
      ReplayBuffer replayBuffer = new ReplayBuffer(feedbackConfig.replayCapacity());
      FeedbackProcessor feedback =
          new FeedbackProcessor(catalog::current, users, replayBuffer, Clock.systemUTC(), feedbackConfig.processor());
      resources.push(feedback); // closed after the log: lets the last effects finish
      long replayStart = System.nanoTime();
      SegmentedFeedbackLog feedbackLog =
          SegmentedFeedbackLog.open(dataDir.feedbackLog(), feedbackConfig.log(), feedback::replay);
      resources.push(feedbackLog);
      feedback.attach(feedbackLog);
      log.info(
          "Feedback replayed in {} ms: {} durable events, {} transitions in the replay buffer, {} open impressions, {} users",
          (System.nanoTime() - replayStart) / 1_000_000,
          feedback.durableFeedbackEvents(),
          replayBuffer.size(),
          feedback.openImpressions(),
          users.size());
      ScheduledExecutorService joinWindows =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> {
                Thread thread = new Thread(runnable, "join-windows");
                thread.setDaemon(true);
                return thread;
              });
      joinWindows.scheduleWithFixedDelay(feedback::expireJoinWindows, 1, 1, TimeUnit.SECONDS);
      resources.push(joinWindows::shutdownNow);

      LearningLoop learning = null;
      if (feedbackConfig.processor().learning()) {
        QRange range = QRange.reachable(feedbackConfig.processor().rewards(), config.learning().trainer().gamma());
        SafetyGate gate = new SafetyGate(config.learning().gate(), explorationEpsilon(config.exploration()), range);
        learning =
            new LearningLoop(
                config.learning(), replayBuffer, catalog::current, models, gate,
                ModelStore.open(dataDir.path()), range, catalog.dimension());
        learning.start();
        resources.push(learning);
        log.info(
            "Trainer started: Double DQN, a candidate every {} steps, safety gate margin {}",
            config.learning().candidateEverySteps(), config.learning().gate().margin());
      }

      Recommender recommender =
          new Recommender(models, users, new EventIds(), feedback, config.exploration(), config.candidates());
      CatalogUpdater updater = new CatalogUpdater(catalog, models);

      RecommendPipeline pipeline = new RecommendPipeline(recommender, config.maxBatchSize(), config.maxQueueDelay());
      resources.push(pipeline); // after the gRPC server drains, before the models close
      RecommenderGrpcService recommenderService = new RecommenderGrpcService(pipeline);

      HealthStatusManager health = new HealthStatusManager();
      MalformedRequestGuard guard = new MalformedRequestGuard();
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress(config.port()))
              .maxInboundMessageSize(ApiLimits.MAX_INBOUND_MESSAGE_BYTES)
              .intercept(new ScoringBulkhead(config.maxConcurrentScoring()))
              .addService(guard.guard(recommenderService.bindService()))
              .addService(guard.guard(new CatalogGrpcService(catalog, updater).bindService()))
              .addService(guard.guard(new FeedbackGrpcService(feedback, feedbackConfig.streamWindow()).bindService()))
              .addService(
                  guard.guard(
                      new AdminGrpcService(
                              models, catalog, users, feedback, replayBuffer,
                              learning == null ? TrainingControl.off() : new LearningLoopControl(learning),
                              pipeline::meanBatchSize, guard::malformedRequests, startedAt)
                          .bindService()))
              .addService(guard.guard(health.getHealthService().bindService()))
              .addService(guard.guard(ProtoReflectionServiceV1.newInstance().bindService()))
              .build()
              .start();
      for (String service :
          List.of(
              RecommenderServiceGrpc.SERVICE_NAME,
              CatalogServiceGrpc.SERVICE_NAME,
              FeedbackServiceGrpc.SERVICE_NAME,
              AdminServiceGrpc.SERVICE_NAME)) {
        health.setStatus(service, io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
      }
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
      log.info(
          "Serving on port {}: model {}, catalog v{} ({} items), started in {} ms",
          server.getPort(),
          models.liveVersion(),
          catalog.current().version(),
          catalog.current().size(),
          (System.nanoTime() - begin) / 1_000_000);
      return new RecsysServer(config, server, health, resources);
    } catch (IOException | RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  /** The epsilon the gate assumes a candidate will serve with (0 for other explorations). */
  private static double explorationEpsilon(Exploration exploration) {
    return exploration instanceof EpsilonGreedy greedy ? greedy.epsilon() : 0;
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Graceful stop: health turns NOT_SERVING, new calls are refused, in-flight calls get up to the
   * drain timeout, then the ONNX sessions and files are released.
   */
  public synchronized void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info("Shutting down: refusing new calls, draining in-flight calls for up to {} s", config.drainTimeout().toSeconds());
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Drain timeout passed; cancelling the calls still running");
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    log.info("gRPC server stopped; releasing models and files");
    closeAll(resources);
    log.info("Shutdown complete");
    stopped.countDown();
  }

  /** Blocks until {@link #stop} has finished, resources included. */
  public void awaitTermination() throws InterruptedException {
    stopped.await();
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("Closing {} failed", resource.getClass().getSimpleName(), e);
      }
    }
  }
}
