package io.recsys.loadtest.feedback;

import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.kafka.KafkaProducerBench;
import io.recsys.loadtest.kafka.SingleNodeKafka;
import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.kafka.KafkaLogSettings;
import io.recsys.v1.FeedbackEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code feedback-bench}: durable feedback events per second on one stream into the server's own
 * log, in the same run into the server with {@code --feedback-log kafka} on a single-node broker,
 * and the same payloads through a bare Kafka producer with {@code acks=all}.
 */
@Command(
    name = "feedback-bench",
    mixinStandardHelpOptions = true,
    description = "Durable feedback events/s on one stream: the server's own log, the server on Kafka, a bare Kafka producer with acks=all, side by side.")
public final class FeedbackBenchCommand implements Callable<Integer> {
  @Option(names = "--target", description = "A running server (host:port); default: start one in-process.")
  String target;

  @Option(names = "--events", description = "Measured events per system (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int events;

  @Option(names = "--warmup", description = "Unmeasured events first (default: ${DEFAULT-VALUE}).", defaultValue = "50000")
  int warmup;

  @Option(names = "--users", description = "Distinct users (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  int users;

  @Option(names = "--batch", description = "Events per stream message; 1 sends each on its own (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int batch;

  @Option(names = "--fsync", description = "In-process server's fsync policy: batch or interval (default: ${DEFAULT-VALUE}).", defaultValue = "batch")
  String fsync;

  @Option(names = "--no-kafka", description = "Skip the Kafka comparison.")
  boolean noKafka;

  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    SingleNodeKafka kafka = noKafka ? null : SingleNodeKafka.start();
    try {
      return run(kafka);
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  private int run(SingleNodeKafka kafka) throws Exception {
    RecsysRun file = recsys(Optional.empty());
    JsonReport report =
        new JsonReport()
            .put("events", events)
            .put("payload_bytes_avg", file.payloads.stream().mapToInt(FeedbackEvent::getSerializedSize).average().orElse(0))
            .put("recsys_fsync", target == null ? fsync : "server's own")
            .put("recsys_events_per_message", batch)
            .put("recsys_events_per_s", file.eventsPerSecond);
    System.out.printf(
        Locale.ROOT, "%-52s %,12.0f events/s%n",
        "recsys StreamFeedback, durable acks (" + fsync + ", " + batch + "/msg)", file.eventsPerSecond);
    if (kafka != null) {
      if (target == null) {
        // The same server with its feedback log on the broker: acks once Kafka has the record and it was read back.
        RecsysRun onKafka = recsys(Optional.of(KafkaLogSettings.of(kafka.bootstrapServers()).withTopic("recsys-feedback-bench")));
        System.out.printf(
            Locale.ROOT, "%-52s %,12.0f events/s%n", "recsys StreamFeedback, --feedback-log kafka (" + batch + "/msg)", onKafka.eventsPerSecond);
        System.out.printf(Locale.ROOT, "%-52s %12.2f%n", "recsys on Kafka / recsys on its own log", onKafka.eventsPerSecond / file.eventsPerSecond);
        report.put("recsys_kafka_log_events_per_s", onKafka.eventsPerSecond).put("recsys_kafka_vs_file_log", onKafka.eventsPerSecond / file.eventsPerSecond);
      }
      List<byte[]> keys = file.payloads.stream().map(e -> e.getUserId().getBytes(StandardCharsets.UTF_8)).toList();
      List<byte[]> values = file.payloads.stream().map(FeedbackEvent::toByteArray).toList();
      KafkaProducerBench producer = new KafkaProducerBench(kafka.bootstrapServers());
      double pageCache = producer.recordsPerSecond("feedback", false, keys, values, warmup);
      double fsynced = producer.recordsPerSecond("feedback-fsync", true, keys, values, warmup);
      System.out.printf(Locale.ROOT, "%-52s %,12.0f records/s%n", "Kafka producer acks=all (broker default flush)", pageCache);
      System.out.printf(Locale.ROOT, "%-52s %,12.0f records/s%n", "Kafka producer acks=all, flush.messages=1", fsynced);
      System.out.printf(Locale.ROOT, "%-52s %12.2f%n", "recsys / Kafka (default flush)", file.eventsPerSecond / pageCache);
      System.out.printf(Locale.ROOT, "%-52s %12.2f%n", "recsys / Kafka (flush.messages=1)", file.eventsPerSecond / fsynced);
      report
          .put("kafka_acks_all_per_s", pageCache)
          .put("kafka_acks_all_flush_each_per_s", fsynced)
          .put("recsys_vs_kafka", file.eventsPerSecond / pageCache)
          .put("recsys_vs_kafka_flush_each", file.eventsPerSecond / fsynced);
    }
    if (json != null) {
      report.writeTo(json);
    }
    return 0;
  }

  private record RecsysRun(List<FeedbackEvent> payloads, double eventsPerSecond) {}

  /** Distinct events against the target, or an in-process server with this feedback log; warmed, then timed. */
  private RecsysRun recsys(Optional<KafkaLogSettings> kafkaLog) throws Exception {
    int total = warmup + events;
    InProcessServer local = target == null ? InProcessServer.start(500, FsyncPolicy.parse(fsync), kafkaLog) : null;
    String server = target != null ? target : local.target();
    try (RecsysClient client = RecsysClient.builder(server).deadline(Duration.ofSeconds(10)).build()) {
      System.out.printf("Serving %,d lists to build %,d distinct events...%n", total / 100 + 1, total);
      List<FeedbackEvent> payloads = RecsysFeedbackBench.distinctEvents(client, total, users, 20);
      RecsysFeedbackBench.eventsPerSecond(client, payloads, 0, warmup, batch);
      return new RecsysRun(payloads, RecsysFeedbackBench.eventsPerSecond(client, payloads, warmup, total, batch));
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }
}
