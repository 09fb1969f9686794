package io.recsys.loadtest.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records per second that one idempotent Kafka producer with {@code acks=all} gets acknowledged
 * by the broker, for the same payloads the recsys benchmark sends.
 */
public final class KafkaProducerBench {
  private final String bootstrap;

  public KafkaProducerBench(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /**
   * @param fsyncEveryMessage topic with {@code flush.messages=1}: the broker fsyncs each append,
   *     as durable as the recsys log's default; otherwise Kafka's default (page cache, fsync left
   *     to the OS and to replication)
   */
  public double recordsPerSecond(
      String topic, boolean fsyncEveryMessage, List<byte[]> keys, List<byte[]> values, int warmup)
      throws Exception {
    createTopic(topic, fsyncEveryMessage);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      sendAll(producer, topic, keys, values, 0, warmup);
      long start = System.nanoTime();
      sendAll(producer, topic, keys, values, warmup, values.size());
      return (values.size() - warmup) / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void sendAll(
      KafkaProducer<byte[], byte[]> producer, String topic, List<byte[]> keys, List<byte[]> values, int from, int to) {
    AtomicLong failed = new AtomicLong();
    for (int i = from; i < to; i++) {
      producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)), (metadata, error) -> {
        if (error != null) {
          failed.incrementAndGet();
        }
      });
    }
    producer.flush(); // returns once every record above is acknowledged (or failed)
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " Kafka sends failed");
    }
  }

  private void createTopic(String topic, boolean fsyncEveryMessage) throws Exception {
    Properties config = new Properties();
    config.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(config)) {
      NewTopic newTopic = new NewTopic(topic, 1, (short) 1);
      if (fsyncEveryMessage) {
        newTopic.configs(Map.of("flush.messages", "1"));
      }
      admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties config = new Properties();
    config.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    config.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
