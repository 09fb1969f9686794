package io.recsys.server.feedback.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where and how the feedback log lives on Kafka.
 *
 * @param bootstrapServers the brokers to start from, {@code host:port[,host:port...]}
 * @param topic the log's topic, created with {@code partitions} if missing
 * @param partitions partitions of a topic this server creates; users are spread over them by id
 * @param replicationFactor copies of each partition for a topic this server creates; empty: the
 *     broker's {@code default.replication.factor}
 * @param deliveryTimeout how long an append may wait for Kafka's acknowledgement before it fails
 *     (and the reaction gets UNAVAILABLE)
 * @param maxPendingBytes record bytes sent but not yet acknowledged, at most; past it appends fail
 *     at once, so a stalled broker never blocks a serving thread on the producer's buffer
 * @param clientProperties passed to every Kafka client as they are, after ours: security
 *     ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) and any tuning
 */
public record KafkaLogSettings(
    String bootstrapServers,
    String topic,
    int partitions,
    Optional<Short> replicationFactor,
    Duration deliveryTimeout,
    long maxPendingBytes,
    Map<String, String> clientProperties) {
  public static final String DEFAULT_TOPIC = "recsys-feedback";
  public static final int DEFAULT_PARTITIONS = 12;
  public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(10);
  public static final long DEFAULT_MAX_PENDING_BYTES = 16L << 20;

  public KafkaLogSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("kafka-bootstrap-servers must name at least one broker (host:port)");
    }
    if (topic == null || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new IllegalArgumentException(
          "kafka-topic must be 1-249 characters of a-z, A-Z, 0-9, '.', '_' or '-', got '" + topic + "'");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("kafka-partitions must be >= 1, got " + partitions);
    }
    if (replicationFactor.isPresent() && replicationFactor.get() < 1) {
      throw new IllegalArgumentException("kafka-replication-factor must be >= 1, got " + replicationFactor.get());
    }
    if (deliveryTimeout.toMillis() < 1_000) {
      throw new IllegalArgumentException("kafka-delivery-timeout-ms must be >= 1000, got " + deliveryTimeout.toMillis());
    }
    if (maxPendingBytes < 1 << 20) {
      throw new IllegalArgumentException("the Kafka pending-bytes bound must be >= 1 MiB, got " + maxPendingBytes);
    }
    clientProperties = Map.copyOf(clientProperties);
  }

  /** The defaults for everything but the brokers. */
  public static KafkaLogSettings of(String bootstrapServers) {
    return new KafkaLogSettings(
        bootstrapServers, DEFAULT_TOPIC, DEFAULT_PARTITIONS, Optional.empty(), DEFAULT_DELIVERY_TIMEOUT,
        DEFAULT_MAX_PENDING_BYTES, Map.of());
  }

  public KafkaLogSettings withTopic(String name) {
    return new KafkaLogSettings(bootstrapServers, name, partitions, replicationFactor, deliveryTimeout, maxPendingBytes, clientProperties);
  }

  public KafkaLogSettings withPartitions(int count) {
    return new KafkaLogSettings(bootstrapServers, topic, count, replicationFactor, deliveryTimeout, maxPendingBytes, clientProperties);
  }

  public KafkaLogSettings withReplicationFactor(Optional<Short> copies) {
    return new KafkaLogSettings(bootstrapServers, topic, partitions, copies, deliveryTimeout, maxPendingBytes, clientProperties);
  }

  public KafkaLogSettings withDeliveryTimeout(Duration timeout) {
    return new KafkaLogSettings(bootstrapServers, topic, partitions, replicationFactor, timeout, maxPendingBytes, clientProperties);
  }

  public KafkaLogSettings withClientProperties(Map<String, String> properties) {
    return new KafkaLogSettings(bootstrapServers, topic, partitions, replicationFactor, deliveryTimeout, maxPendingBytes, properties);
  }
}
