package io.recsys.loadtest.feedback;

import io.recsys.client.RecsysClient;
import io.recsys.loadtest.InProcessServer;
import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.kafka.KafkaProducerBench;
import io.recsys.loadtest.kafka.SingleNodeKafka;
import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.v1.FeedbackEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code feedback-bench}: durable feedback events per second on one stream, and in the same run
 * the same payloads through a Kafka producer with {@code acks=all} against a single-node broker.
 */
@Command(
    name = "feedback-bench",
    mixinStandardHelpOptions = true,
    description = "Durable feedback events/s on one stream vs a Kafka producer with acks=all, side by side.")
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
    int total = warmup + events;
    InProcessServer local = target == null ? InProcessServer.start(500, FsyncPolicy.parse(fsync)) : null;
    String server = target != null ? target : local.target();
    List<FeedbackEvent> payloads;
    double recsys;
    try (RecsysClient client = RecsysClient.builder(server).deadline(Duration.ofSeconds(10)).build()) {
      System.out.printf("Serving %,d lists to build %,d distinct events...%n", total / 100 + 1, total);
      payloads = RecsysFeedbackBench.distinctEvents(client, total, users, 20);
      RecsysFeedbackBench.eventsPerSecond(client, payloads, 0, warmup, batch);
      recsys = RecsysFeedbackBench.eventsPerSecond(client, payloads, warmup, total, batch);
    } finally {
      if (local != null) {
        local.close();
      }
    }
    JsonReport report =
        new JsonReport()
            .put("events", events)
            .put("payload_bytes_avg", payloads.stream().mapToInt(FeedbackEvent::getSerializedSize).average().orElse(0))
            .put("recsys_fsync", target == null ? fsync : "server's own")
            .put("recsys_events_per_message", batch)
            .put("recsys_events_per_s", recsys);
    System.out.printf(
        Locale.ROOT, "%-48s %,12.0f events/s%n",
        "recsys StreamFeedback, durable acks (" + fsync + ", " + batch + "/msg)", recsys);
    if (!noKafka) {
      List<byte[]> keys = payloads.stream().map(e -> e.getUserId().getBytes(StandardCharsets.UTF_8)).toList();
      List<byte[]> values = payloads.stream().map(FeedbackEvent::toByteArray).toList();
      try (SingleNodeKafka kafka = SingleNodeKafka.start()) {
        KafkaProducerBench producer = new KafkaProducerBench(kafka.bootstrapServers());
        double pageCache = producer.recordsPerSecond("feedback", false, keys, values, warmup);
        double fsynced = producer.recordsPerSecond("feedback-fsync", true, keys, values, warmup);
        System.out.printf(Locale.ROOT, "%-48s %,12.0f records/s%n", "Kafka producer acks=all (broker default flush)", pageCache);
        System.out.printf(Locale.ROOT, "%-48s %,12.0f records/s%n", "Kafka producer acks=all, flush.messages=1", fsynced);
        System.out.printf(Locale.ROOT, "%-48s %12.2f%n", "recsys / Kafka (default flush)", recsys / pageCache);
        System.out.printf(Locale.ROOT, "%-48s %12.2f%n", "recsys / Kafka (flush.messages=1)", recsys / fsynced);
        report
            .put("kafka_acks_all_per_s", pageCache)
            .put("kafka_acks_all_flush_each_per_s", fsynced)
            .put("recsys_vs_kafka", recsys / pageCache)
            .put("recsys_vs_kafka_flush_each", recsys / fsynced);
      }
    }
    if (json != null) {
      report.writeTo(json);
    }
    return 0;
  }
}
