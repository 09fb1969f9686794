package io.recsys.server.ops;

import io.recsys.server.feedback.FeedbackSettings;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code serve}'s flag defaults, read from {@link ServerConfig}'s builder (the one place they are
 * written), in the form each flag parses; {@code --help} shows them through {@code ${DEFAULT-VALUE}}.
 */
public final class ServeDefaults implements IDefaultValueProvider {
  /** Built once per command line, not once per option asked about. */
  private final ServerConfig d = ServerConfig.defaults(ServerConfig.DEFAULT_DATA_DIR);

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option)) {
      return null;
    }
    FeedbackSettings feedback = d.feedback().processor();
    return switch (option.longestName()) {
      case "--port" -> String.valueOf(d.port());
      case "--data-dir" -> d.dataDir().toString();
      case "--device" -> d.device().name().toLowerCase(Locale.ROOT);
      case "--onnx-threads" -> String.valueOf(d.onnxThreads());
      case "--onnx-spinning" -> String.valueOf(d.onnxSpinning());
      case "--max-cached-users" -> String.valueOf(d.maxCachedUsers());
      case "--popularity-weight" -> String.valueOf(d.popularityWeight());
      case "--drain-timeout" -> String.valueOf(d.drainTimeout().toSeconds());
      case "--join-window-seconds" -> String.valueOf(feedback.joinWindow().toSeconds());
      case "--max-open-impressions" -> String.valueOf(feedback.maxOpenImpressions());
      case "--rewards" -> feedback.rewards().spec();
      case "--no-feedback-reward" -> String.valueOf(feedback.rewards().noFeedbackReward());
      case "--fsync" -> d.feedback().log().fsync().name().toLowerCase(Locale.ROOT);
      case "--feedback-stream-window" -> String.valueOf(d.feedback().streamWindow());
      case "--replay-capacity" -> String.valueOf(d.feedback().replayCapacity());
      case "--snapshot-every-records" -> String.valueOf(d.feedback().snapshots().everyRecords());
      case "--snapshot-interval-seconds" -> String.valueOf(d.feedback().snapshots().interval().toSeconds());
      case "--feedback-log-retention-mb" -> String.valueOf(d.feedback().snapshots().retention().maxBytes() >> 20);
      case "--feedback-log-retention-hours" -> {
        Duration age = d.feedback().snapshots().retention().maxAge();
        yield String.valueOf(age == null ? 0 : age.toHours());
      }
      case "--learning" -> feedback.learning() ? "on" : "off";
      case "--reranker" -> d.learning().enabled() ? "on" : "off";
      case "--collaborative" -> d.online().enabled() ? "on" : "off";
      case "--ucb-alpha" -> String.valueOf(d.online().users().ucbAlpha());
      case "--taste-change-threshold" -> String.valueOf(d.online().users().changeThreshold());
      case "--item-publish-ms" -> String.valueOf(d.online().publishInterval().toMillis());
      case "--user-discount" -> String.valueOf(d.online().users().discount());
      case "--content-rate" -> String.valueOf(feedback.updater().attractRate());
      case "--keep-disliked" -> String.valueOf(!feedback.updater().excludeDisliked());
      case "--exploration" -> d.exploration().spec();
      case "--candidates" -> String.valueOf(d.candidates());
      case "--exclude-consumed" -> ConsumedReactions.spec(d.consumedBy());
      case "--max-concurrent-scoring" -> String.valueOf(d.maxConcurrentScoring());
      case "--scoring-latency-budget-ms" -> String.valueOf(d.scoringLatencyBudget().toMillis());
      case "--max-batch-size" -> String.valueOf(d.maxBatchSize());
      case "--metrics-port" -> String.valueOf(d.metricsPort());
      case "--admin-port" -> String.valueOf(d.adminPort());
      case "--log-format" -> LogSettings.DEFAULT_FORMAT;
      case "--log-level" -> LogSettings.DEFAULT_LEVEL;
      case "--admin-address" -> d.adminAddress();
      case "--model-versions-kept" -> String.valueOf(d.modelVersionsKept());
      case "--max-queue-delay-us" -> String.valueOf(d.maxQueueDelay().toNanos() / 1_000);
      case "--queue-delay-mode" -> d.queueDelayMode().name().toLowerCase(java.util.Locale.ROOT);
      case "--model-poll-ms" -> String.valueOf(d.modelPollInterval().toMillis());
      case "--feedback-log" -> d.kafkaLog().isPresent() ? "kafka" : "file";
      case "--kafka-topic" -> KafkaLogSettings.DEFAULT_TOPIC;
      case "--kafka-partitions" -> String.valueOf(KafkaLogSettings.DEFAULT_PARTITIONS);
      case "--kafka-replication-factor" -> "0";
      case "--kafka-delivery-timeout-ms" -> String.valueOf(KafkaLogSettings.DEFAULT_DELIVERY_TIMEOUT.toMillis());
      default -> null;
    };
  }
}
