package io.recsys.server.feedback.kafka;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka clients the feedback log uses, configured for its promise: the producer is idempotent
 * and waits for every in-sync replica ({@code acks=all}), so an acknowledged reaction is as durable
 * as Kafka makes it and never written twice by a retry; the consumer reads every partition itself
 * (no consumer group: every replica needs every user's records).
 */
final class KafkaClients {
  private static final Logger log = LoggerFactory.getLogger(KafkaClients.class);
  /** How long a start waits for the brokers before it gives up with a message that names them. */
  static final long CONNECT_TIMEOUT_SECONDS = 30;

  private KafkaClients() {}

  static KafkaProducer<byte[], byte[]> producer(KafkaLogSettings settings, String clientId) {
    Properties properties = common(settings, clientId);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // A reaction's ack waits for this batch: a millisecond gathers a group without adding a stall.
    properties.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // an impression is 200 ids: it compresses
    long delivery = settings.deliveryTimeout().toMillis();
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery));
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(500, delivery / 2)));
    // send() blocks only for metadata (fetched at open) or a full buffer (kept below it): a bound anyway.
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
    properties.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(2 * settings.maxPendingBytes()));
    properties.putAll(settings.clientProperties());
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static KafkaConsumer<byte[], byte[]> consumer(KafkaLogSettings settings, String clientId) {
    Properties properties = common(settings, clientId);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Never jump silently: a position Kafka no longer has is handled, and logged, by TopicReplay.reseat.
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    properties.putAll(settings.clientProperties());
    properties.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, no group (see the class comment)
    return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Creates the topic if it is missing and returns its partition count; an existing topic is used
   * as it is (its partitions may differ from the settings': they are only for creating it).
   */
  static int ensureTopic(KafkaLogSettings settings, String clientId) {
    Properties properties = common(settings, clientId);
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TimeUnit.SECONDS.toMillis(CONNECT_TIMEOUT_SECONDS)));
    properties.putAll(settings.clientProperties());
    try (Admin admin = Admin.create(properties)) {
      NewTopic topic = new NewTopic(settings.topic(), Optional.of(settings.partitions()), settings.replicationFactor());
      try {
        admin.createTopics(List.of(topic)).all().get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        log.info(
            "Created Kafka topic {} with {} partitions (replication factor {})",
            settings.topic(), settings.partitions(), settings.replicationFactor().map(String::valueOf).orElse("the broker's default"));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw unreachable(settings, e.getCause());
        }
      }
      Map<String, TopicDescription> described =
          admin.describeTopics(List.of(settings.topic())).allTopicNames().get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return described.get(settings.topic()).partitions().size();
    } catch (ExecutionException e) {
      throw unreachable(settings, e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(settings, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the Kafka topic", e);
    }
  }

  private static IllegalStateException unreachable(KafkaLogSettings settings, Throwable cause) {
    return new IllegalStateException(
        "the feedback log's Kafka topic " + settings.topic() + " at " + settings.bootstrapServers()
            + " could not be opened within " + CONNECT_TIMEOUT_SECONDS + " s (check kafka-bootstrap-servers and kafka-config): " + cause,
        cause);
  }

  private static Properties common(KafkaLogSettings settings, String clientId) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    properties.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    return properties;
  }
}
