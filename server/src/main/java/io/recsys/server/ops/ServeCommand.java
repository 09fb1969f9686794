package io.recsys.server.ops;

import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.learning.LearningSettings;
import io.recsys.server.model.BatchWait;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.Exploration;
import io.recsys.server.user.PosteriorSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code serve}: run the gRPC server until SIGTERM or SIGINT, then shut down gracefully. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    defaultValueProvider = ServeDefaults.class,
    description = "Serve recommendations over gRPC (embedded goodbooks-10k catalog by default; a catalog whose items carry embeddings serves those vectors without a language model).",
    footer = {
      "",
      "Every setting can also come from the environment (RECSYS_SERVE_ and the flag's name in upper case, - as _:"
          + " RECSYS_SERVE_MAX_BATCH_SIZE=16) or from a configuration file (--config or RECSYS_SERVE_CONFIG; Java properties"
          + " named like the flags without dashes: max-batch-size = 16). Precedence: command line > environment >"
          + " configuration file > default. An unknown name or a bad value stops the start, naming it;"
          + " --print-config shows what would be used and where each value came from."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", description = "Configuration file (Java properties: name = value, names as the flags without dashes); also RECSYS_SERVE_CONFIG.")
  Path configFile;

  @Option(names = "--print-config", description = "Print the effective configuration (as a configuration file, grouped by where each value came from) and exit.")
  boolean printConfig;

  @Option(names = "--log-format", description = "text, or json: one JSON object per line, for log collectors (default: ${DEFAULT-VALUE}).")
  String logFormat;

  @Option(names = "--log-level", description = "Level of every logger not named in --log-levels: error, warn, info, debug or trace (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(names = "--log-levels", description = "Levels per logger (a package or class), e.g. io.grpc=warn,io.recsys.server.feedback=debug.")
  String logLevels;

  @Option(names = "--port", description = "gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", description = "Durable state (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--catalog", description = "Catalog file (.csv or .jsonl) instead of the embedded goodbooks-10k.")
  Path catalog;

  @Option(names = "--user-vectors", description = "CSV user_id,v1,...,vd of users' starting states in the catalog's space (for example train's user_vectors.csv).")
  Path userVectors;

  @Option(names = "--device", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--onnx-threads", description = "Intra-op threads per ONNX session (default: ${DEFAULT-VALUE}, the available cores).")
  int onnxThreads;

  @Option(names = "--onnx-spinning", arity = "0..1", description = "Let idle ONNX Runtime threads spin: lower latency on cores nothing else needs (default: ${DEFAULT-VALUE}).")
  boolean onnxSpinning;

  @Option(names = "--max-cached-users", description = "Users whose state is kept in memory (default: ${DEFAULT-VALUE}).")
  long maxCachedUsers;

  @Option(names = "--popularity-weight", description = "Weight of the popularity prior in scores (default: ${DEFAULT-VALUE}).")
  float popularityWeight;

  @Option(names = "--drain-timeout", description = "Seconds shutdown waits for in-flight calls (default: ${DEFAULT-VALUE}).")
  long drainSeconds;

  @Option(names = "--join-window-seconds", description = "How long after serving a list its feedback is joined to it (default: ${DEFAULT-VALUE}).")
  long joinWindowSeconds;

  @Option(names = "--max-open-impressions", description = "Served lists remembered for their join window; past it the oldest close early (default: ${DEFAULT-VALUE}).")
  int maxOpenImpressions;

  @Option(names = "--rewards", description = "Rewards per reaction; name only those to change, e.g. click=1,skip=0.2 (default: ${DEFAULT-VALUE}).")
  String rewards;

  @Option(names = "--no-feedback-reward", description = "Reward of a shown item with no reaction in the join window (default: ${DEFAULT-VALUE}).")
  float noFeedbackReward;

  @Option(names = "--fsync", description = "batch (fsync before every ack) or interval (ack after the write, fsync in the background) (default: ${DEFAULT-VALUE}).")
  String fsync;

  @Option(
      names = "--feedback-log",
      description = "file: the log in the data dir (one server); kafka: a Kafka topic that serving replicas share, partitioned by user (see --kafka-*) (default: ${DEFAULT-VALUE}).")
  String feedbackLog;

  @Option(names = "--kafka-bootstrap-servers", description = "Kafka brokers of --feedback-log kafka, host:port[,host:port...].")
  String kafkaBootstrapServers;

  @Option(names = "--kafka-topic", description = "The feedback log's topic; created if missing (default: ${DEFAULT-VALUE}).")
  String kafkaTopic;

  @Option(names = "--kafka-partitions", description = "Partitions of a topic the server creates; an existing topic keeps its own (default: ${DEFAULT-VALUE}).")
  int kafkaPartitions;

  @Option(names = "--kafka-replication-factor", description = "Copies of each partition of a topic the server creates; 0: the broker's default.replication.factor (default: ${DEFAULT-VALUE}).")
  short kafkaReplicationFactor;

  @Option(names = "--kafka-delivery-timeout-ms", description = "How long a reaction waits for Kafka's acknowledgement before it fails UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  long kafkaDeliveryTimeoutMillis;

  @Option(
      names = "--kafka-config",
      description = "A Java properties file of further Kafka client settings (security.protocol, sasl.*, ssl.*, tuning), applied to every client after the server's own; keeps secrets off the command line.")
  Path kafkaConfig;

  @Option(names = "--feedback-stream-window", description = "Events one feedback stream may have in flight (default: ${DEFAULT-VALUE}).")
  int streamWindow;

  @Option(names = "--replay-capacity", description = "Transitions kept for the trainer (default: ${DEFAULT-VALUE}).")
  int replayCapacity;

  @Option(
      names = "--snapshot-every-records",
      description = "A snapshot of users, items, replay buffer and open lists once this many log records arrived since the last,"
          + " so a restart replays at most about this many (default: ${DEFAULT-VALUE}).")
  long snapshotEveryRecords;

  @Option(names = "--snapshot-interval-seconds", description = "And a snapshot at least this often while records arrive (default: ${DEFAULT-VALUE}).")
  long snapshotIntervalSeconds;

  @Option(
      names = "--feedback-log-retention-mb",
      description = "The feedback log's size bound: the oldest segments a snapshot covers are deleted past it (default: ${DEFAULT-VALUE}).")
  long logRetentionMegabytes;

  @Option(
      names = "--feedback-log-retention-hours",
      description = "And covered segments older than this are deleted; 0: no bound by age (default: ${DEFAULT-VALUE}).")
  long logRetentionHours;

  @Option(names = "--learning", description = "on, or off to serve as a static scorer: feedback is stored but moves nothing (default: ${DEFAULT-VALUE}).")
  String learning;

  @Option(names = "--exploration", description = "greedy, epsilon:<p> or softmax:<temperature> (default: ${DEFAULT-VALUE}).")
  String exploration;

  @Option(names = "--candidates", description = "Retrieval candidates each list is drawn from (default: ${DEFAULT-VALUE}).")
  int candidates;

  @Option(
      names = "--exclude-consumed",
      description = "Reactions after which an item never comes back to that user, comma-separated, e.g. purchase or purchase,like; none to keep them all (default: ${DEFAULT-VALUE}).")
  String excludeConsumed;

  @Option(names = "--max-concurrent-scoring", description = "Recommend calls admitted at once, at most; more get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  int maxConcurrentScoring;

  @Option(names = "--scoring-latency-budget-ms", description = "Admitted calls follow the measured completion rate x this budget (at least 64, at most --max-concurrent-scoring), so a call waits about this long at most for its turn and a shorter stall refuses nothing; 0: always --max-concurrent-scoring (default: ${DEFAULT-VALUE}).")
  long scoringLatencyBudgetMillis;

  @Option(
      names = "--model-versions-kept",
      description = "Learned model versions kept in the data dir besides the baseline and the live one; older ones are deleted "
          + "(default: ${DEFAULT-VALUE}).")
  int modelVersionsKept;

  @Option(
      names = "--metrics-port",
      description = "Serve Prometheus metrics on http://0.0.0.0:PORT/metrics; 0 picks a free port, -1 turns them off (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve gRPC over TLS (with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM private key (PKCS#8) of --tls-cert.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", description = "PEM CA certificates: mutual TLS, clients must present a certificate it signed.")
  Path tlsClientCa;

  @Option(names = "--token-file", description = "Bearer tokens (one per line, optional scopes feedback,catalog,admin) that feedback, catalog changes and admin calls must carry; re-read when it changes. None: no token is asked for.")
  Path tokenFile;

  @Option(names = "--admin-port", description = "Serve the admin service on a port of its own, bound to --admin-address; 0 picks a free port, -1 keeps it on --port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--admin-address", description = "Address the admin port is bound to (default: ${DEFAULT-VALUE}).")
  String adminAddress;

  @Option(names = "--max-batch-size", description = "Concurrent Recommend calls scored together; 1 turns batching off (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(names = "--max-queue-delay-us", description = "Microseconds a batch may wait to fill once it has a call, at most; 0: run what is queued at once, calls arriving meanwhile form the next batch (default: ${DEFAULT-VALUE}).")
  long maxQueueDelayMicros;

  @Option(names = "--queue-delay-mode", description = "adaptive: a batch waits (about one batch's time, at most --max-queue-delay-us) only while calls arrive faster than a batch runs, so a lone caller never waits; fixed: every batch waits up to --max-queue-delay-us to fill (default: ${DEFAULT-VALUE}).")
  String queueDelayMode;

  @Option(
      names = "--reranker",
      description = "on: a Double-DQN re-ranker trains in the background and serves once the safety gate passes it; off: none;"
          + " follow: serve the versions the one trainer publishes in --model-store, train nothing here (default: ${DEFAULT-VALUE}).")
  String reranker;

  @Option(
      names = "--model-store",
      description = "A model store shared by replicas (a directory all of them reach): the trainer (--reranker on) publishes there,"
          + " replicas with --reranker follow serve from it. Default: the data dir's own.")
  Path modelStore;

  @Option(names = "--model-poll-ms", description = "How often a --reranker follow replica looks for a new live version (default: ${DEFAULT-VALUE}).")
  long modelPollMillis;

  @Option(names = "--collaborative", description = "on: every item learns a vector and bias from feedback, every user a posterior over them, and lists favour what the server is unsure of; off: retrieval over content embeddings and the popularity prior only (default: ${DEFAULT-VALUE}).")
  String collaborative;

  @Option(names = "--ucb-alpha", description = "Width of the confidence bonus each candidate gets under the user's posterior; 0: the posterior mean alone (default: ${DEFAULT-VALUE}).")
  double ucbAlpha;

  @Option(names = "--user-discount", description = "Weight a user's earlier observations keep at each new one, in (0, 1]; lower forgets a changed taste faster (default: ${DEFAULT-VALUE}).")
  double userDiscount;

  @Option(names = "--taste-change-threshold", description = "Evidence (nats, a CUSUM test) that a user's clicks fell to a fifth of what their model predicts, past which their learned state goes back to the population prior; 0: never (default: ${DEFAULT-VALUE}).")
  double tasteChangeThreshold;

  @Option(names = "--item-publish-ms", description = "How often what the items learned is rebuilt into a new retrieval session, in milliseconds (default: ${DEFAULT-VALUE}).")
  long itemPublishMillis;

  @Option(names = "--content-rate", description = "Share of a clicked item's content vector mixed into the user's content state, in [0, 1]; 0: only the posterior learns (default: ${DEFAULT-VALUE}).")
  float contentRate;

  @Option(names = "--keep-disliked", arity = "0..1", description = "Let items a user disliked come back into their lists (default: ${DEFAULT-VALUE}).")
  boolean keepDisliked;

  @Override
  public Integer call() throws Exception {
    ConfigSources.Resolved resolved =
        ConfigSources.resolve(this, spec, spec.commandLine().getParseResult(), System.getenv());
    ServerConfig config = resolved.command().configNaming(resolved);
    if (printConfig) {
      spec.commandLine().getOut().print(resolved.describe());
      spec.commandLine().getOut().flush();
      return 0;
    }
    ServeCommand settings = resolved.command();
    LogSettings.of(settings.logFormat, settings.logLevel, settings.logLevels).apply();
    RecsysServer server = RecsysServer.start(config);
    TerminationSignals.onTermination(server::stop);
    // Other ways out (System.exit elsewhere, SIGHUP) still release files and sessions.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shutdown-hook"));
    server.awaitTermination();
    return 0;
  }

  /**
   * The config {@code serve} would start with for these flags (for an embedding program, say a
   * simulator that starts servers in its own process); a bad flag or value throws with its name.
   */
  public static ServerConfig configFrom(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  /**
   * {@link #config()}, but a refused value also says where it was set when that was not the
   * command line (the file or the environment), so the operator knows which to fix.
   */
  private ServerConfig configNaming(ConfigSources.Resolved resolved) {
    try {
      return config();
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      for (ConfigSources.Setting setting : resolved.settings().values()) {
        if (message.startsWith(setting.name() + " ") && setting.source() != ConfigSources.Source.FLAG) {
          String where =
              setting.source() == ConfigSources.Source.ENVIRONMENT
                  ? "environment variable " + ConfigSources.envName(setting.name())
                  : "configuration file " + resolved.file().map(Path::toString).orElse("");
          throw new IllegalArgumentException(message + " (set by " + where + ")", e);
        }
      }
      throw e;
    }
  }

  /** The parsed flags as a config; every flag holds a value (its default when not given). */
  ServerConfig config() {
    return ServerConfig.builder(dataDir)
        .port(port)
        .catalogFile(catalog)
        .userVectorsFile(userVectors)
        .device(OnnxRuntime.Device.parse(device))
        .onnxThreads(onnxThreads)
        .onnxSpinning(onnxSpinning)
        .maxCachedUsers(maxCachedUsers)
        .popularityWeight(popularityWeight)
        .drainTimeout(Duration.ofSeconds(drainSeconds))
        .feedback(
            f -> f.withJoinWindow(Duration.ofSeconds(joinWindowSeconds))
                .withMaxOpenImpressions(maxOpenImpressions)
                .withRewards(RewardFunction.defaults().withOverrides(rewards).withNoFeedbackReward(noFeedbackReward))
                .withFsync(FsyncPolicy.parse(fsync))
                .withStreamWindow(streamWindow)
                .withReplayCapacity(replayCapacity)
                .withSnapshotEveryRecords(snapshotEveryRecords)
                .withSnapshotInterval(Duration.ofSeconds(snapshotIntervalSeconds))
                .withLogRetention(logRetentionMegabytes, logRetentionHours)
                .withLearning(onOff("--learning", learning))
                .withKeepDisliked(keepDisliked)
                .withContentRate(contentRate))
        .online(
            o -> o.withEnabled(onOff("--collaborative", collaborative))
                .withPublishInterval(Duration.ofMillis(itemPublishMillis))
                .withUsers(new PosteriorSettings(o.users().ridge(), userDiscount, ucbAlpha, tasteChangeThreshold)))
        .learning(LearningSettings.defaults().withEnabled(rerankerTrains()))
        .followModelStore("follow".equals(reranker))
        .modelStore(Optional.ofNullable(modelStore))
        .modelPollInterval(Duration.ofMillis(modelPollMillis))
        .exploration(Exploration.parse(exploration))
        .candidates(candidates)
        .consumedBy(ConsumedReactions.parse(excludeConsumed))
        .maxConcurrentScoring(maxConcurrentScoring)
        .metricsPort(metricsPort)
        .tls(TlsSettings.of(tlsCert, tlsKey, tlsClientCa))
        .tokenFile(tokenFile)
        .adminPort(adminPort)
        .adminAddress(adminAddress)
        .modelVersionsKept(modelVersionsKept)
        .maxBatchSize(maxBatchSize)
        .scoringLatencyBudget(Duration.ofMillis(scoringLatencyBudgetMillis))
        .maxQueueDelay(Duration.ofNanos(maxQueueDelayMicros * 1_000))
        .queueDelayMode(BatchWait.Mode.parse(queueDelayMode))
        .kafkaLog(kafkaLog())
        .build();
  }

  /** --reranker on trains here; follow serves what the model store's trainer publishes; off: none. */
  private boolean rerankerTrains() {
    return switch (reranker) {
      case "on" -> true;
      case "off", "follow" -> false;
      default -> throw new IllegalArgumentException("--reranker must be on, off or follow, got '" + reranker + "'");
    };
  }

  /** --feedback-log and the --kafka-* settings it reads. */
  private Optional<KafkaLogSettings> kafkaLog() {
    switch (feedbackLog) {
      case "file":
        return Optional.empty();
      case "kafka":
        break;
      default:
        throw new IllegalArgumentException("--feedback-log must be file or kafka, got '" + feedbackLog + "'");
    }
    if (kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank()) {
      throw new IllegalArgumentException("--feedback-log kafka needs --kafka-bootstrap-servers (host:port[,host:port...])");
    }
    if (kafkaReplicationFactor < 0) {
      throw new IllegalArgumentException("--kafka-replication-factor must be >= 0 (0: the broker's default), got " + kafkaReplicationFactor);
    }
    return Optional.of(
        KafkaLogSettings.of(kafkaBootstrapServers)
            .withTopic(kafkaTopic)
            .withPartitions(kafkaPartitions)
            .withReplicationFactor(kafkaReplicationFactor == 0 ? Optional.empty() : Optional.of(kafkaReplicationFactor))
            .withDeliveryTimeout(Duration.ofMillis(kafkaDeliveryTimeoutMillis))
            .withClientProperties(kafkaClientProperties()));
  }

  private Map<String, String> kafkaClientProperties() {
    if (kafkaConfig == null) {
      return Map.of();
    }
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(kafkaConfig, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException("--kafka-config " + kafkaConfig + " could not be read: " + e.getMessage(), e);
    }
    Map<String, String> settings = new TreeMap<>();
    properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name)));
    return settings;
  }

  private static boolean onOff(String flag, String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException(flag + " must be on or off, got '" + value + "'");
    };
  }
}
