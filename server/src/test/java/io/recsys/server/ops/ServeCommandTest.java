package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.server.policy.SoftmaxExploration;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve}'s flags become a {@link ServerConfig}: defaults from the config itself, checks naming the setting. */
class ServeCommandTest {
  private static ServerConfig parse(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void noFlagsGiveExactlyTheConfigDefaults() {
    assertThat(parse()).isEqualTo(ServerConfig.defaults(ServerConfig.DEFAULT_DATA_DIR));
  }

  @Test
  void eachFlagReachesItsSetting() {
    ServerConfig config =
        parse(
            "--port", "0", "--data-dir", "/tmp/d", "--exploration", "softmax:0.5", "--max-batch-size", "8",
            "--max-queue-delay-us", "250", "--join-window-seconds", "60", "--rewards", "skip=0.2",
            "--no-feedback-reward", "0.4", "--fsync", "interval", "--learning", "off", "--keep-disliked",
            "--queue-delay-mode", "fixed", "--scoring-latency-budget-ms", "50", "--max-concurrent-scoring", "500");

    assertThat(config.port()).isZero();
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/d"));
    assertThat(config.exploration()).isEqualTo(new SoftmaxExploration(0.5));
    assertThat(config.maxBatchSize()).isEqualTo(8);
    assertThat(config.maxQueueDelay()).isEqualTo(Duration.ofNanos(250_000));
    assertThat(config.queueDelayMode()).isEqualTo(io.recsys.server.model.BatchWait.Mode.FIXED);
    assertThat(config.scoringLatencyBudget()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.maxConcurrentScoring()).isEqualTo(500);
    assertThat(config.feedback().processor().joinWindow()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.feedback().processor().rewards().spec()).contains("skip=0.2").contains("click=1.0");
    assertThat(config.feedback().processor().rewards().noFeedbackReward()).isEqualTo(0.4f);
    assertThat(config.feedback().log().fsync()).isEqualTo(FsyncPolicy.INTERVAL);
    assertThat(config.feedback().processor().learning()).isFalse();
    assertThat(config.feedback().processor().updater().excludeDisliked()).isFalse();
  }

  @Test
  void aBadValueIsRefusedNamingItsSetting() {
    assertThatThrownBy(() -> parse("--max-batch-size", "0")).hasMessage("max-batch-size must be in [1, 256], got 0");
    assertThatThrownBy(() -> parse("--max-queue-delay-us", "200000"))
        .hasMessage("max-queue-delay must be in [0 s, 100 ms], got 200 ms");
    assertThatThrownBy(() -> parse("--join-window-seconds", "0")).hasMessage("join-window must be positive, got 0 s");
    assertThatThrownBy(() -> parse("--max-open-impressions", "0")).hasMessage("max-open-impressions must be >= 1, got 0");
    assertThatThrownBy(() -> parse("--port", "70000")).hasMessage("port must be in [0, 65535], got 70000");
    assertThatThrownBy(() -> parse("--fsync", "never")).hasMessageContaining("fsync must be batch or interval");
    assertThatThrownBy(() -> parse("--queue-delay-mode", "greedy")).hasMessage("queue delay mode must be adaptive or fixed, got 'greedy'");
    assertThatThrownBy(() -> parse("--scoring-latency-budget-ms", "-1")).hasMessageStartingWith("scoring-latency-budget must be in [0 s, ");
  }

  @Test
  void theKafkaFlagsMakeTheKafkaLogAndTheConfigFileItsClientSettings(@TempDir Path dir) throws Exception {
    Path clientConfig = Files.writeString(dir.resolve("kafka.properties"), "security.protocol=SSL\nssl.truststore.location=/etc/ts.jks\n");
    KafkaLogSettings kafka =
        parse(
                "--feedback-log", "kafka", "--kafka-bootstrap-servers", "k1:9092,k2:9092", "--kafka-topic", "reactions",
                "--kafka-partitions", "48", "--kafka-replication-factor", "3", "--kafka-delivery-timeout-ms", "5000",
                "--kafka-config", clientConfig.toString())
            .kafkaLog()
            .orElseThrow();

    assertThat(kafka.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
    assertThat(kafka.topic()).isEqualTo("reactions");
    assertThat(kafka.partitions()).isEqualTo(48);
    assertThat(kafka.replicationFactor()).contains((short) 3);
    assertThat(kafka.deliveryTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.location", "/etc/ts.jks");
    assertThat(parse("--feedback-log", "kafka", "--kafka-bootstrap-servers", "k:9092").kafkaLog().orElseThrow().replicationFactor()).isEmpty();
    assertThat(parse().kafkaLog()).isEmpty();
  }

  @Test
  void rerankerFollowServesFromTheSharedStoreAndTrainsNothing() {
    ServerConfig follower = parse("--reranker", "follow", "--model-store", "/shared/models", "--model-poll-ms", "250");
    assertThat(follower.followModelStore()).isTrue();
    assertThat(follower.learning().enabled()).isFalse();
    assertThat(follower.modelStore()).contains(Path.of("/shared/models"));
    assertThat(follower.modelPollInterval()).isEqualTo(Duration.ofMillis(250));
    ServerConfig trainer = parse("--reranker", "on", "--model-store", "/shared/models");
    assertThat(trainer.followModelStore()).isFalse();
    assertThat(trainer.learning().enabled()).isTrue();

    assertThatThrownBy(() -> parse("--reranker", "follow")).hasMessage("reranker follow needs model-store: the directory the trainer publishes to");
    assertThatThrownBy(() -> parse("--reranker", "maybe")).hasMessage("--reranker must be on, off or follow, got 'maybe'");
    assertThatThrownBy(() -> parse("--model-poll-ms", "1")).hasMessageStartingWith("model-poll-ms must be in [");
  }

  @Test
  void badKafkaSettingsAreRefusedByName() {
    assertThatThrownBy(() -> parse("--feedback-log", "s3")).hasMessage("--feedback-log must be file or kafka, got 's3'");
    assertThatThrownBy(() -> parse("--feedback-log", "kafka")).hasMessageContaining("needs --kafka-bootstrap-servers");
    assertThatThrownBy(() -> parse("--feedback-log", "kafka", "--kafka-bootstrap-servers", "k:9092", "--kafka-topic", "a b"))
        .hasMessageStartingWith("kafka-topic must be 1-249 characters");
    assertThatThrownBy(() -> parse("--feedback-log", "kafka", "--kafka-bootstrap-servers", "k:9092", "--kafka-partitions", "0"))
        .hasMessage("kafka-partitions must be >= 1, got 0");
    assertThatThrownBy(() -> parse("--feedback-log", "kafka", "--kafka-bootstrap-servers", "k:9092", "--kafka-delivery-timeout-ms", "10"))
        .hasMessage("kafka-delivery-timeout-ms must be >= 1000, got 10");
    assertThatThrownBy(() -> parse("--feedback-log", "kafka", "--kafka-bootstrap-servers", "k:9092", "--kafka-config", "/nonexistent/k.properties"))
        .hasMessageStartingWith("--kafka-config /nonexistent/k.properties could not be read");
  }

  @Test
  void theBuilderRefusesABadSettingWhenItIsSetNotLater() {
    ServerConfig.Builder builder = ServerConfig.builder(Path.of("d"));

    assertThatThrownBy(() -> builder.candidates(0)).hasMessage("candidates must be in [1, 10000], got 0");
    assertThatThrownBy(() -> builder.popularityWeight(Float.NaN)).hasMessageContaining("popularity-weight must be a finite number");
    assertThat(builder.build()).isEqualTo(ServerConfig.defaults(Path.of("d")));
  }

  @Test
  void helpShowsADefaultForEveryFlagThatHasOne() {
    StringWriter help = new StringWriter();
    new CommandLine(new ServeCommand()).usage(new PrintWriter(help));

    assertThat(help.toString())
        .contains("(default: 50051)")
        .contains("(default: epsilon:0.05)")
        .contains("(default: batch)")
        .doesNotContain("default: null")
        .doesNotContain("${DEFAULT-VALUE}");
  }
}
