package io.recsys.loadtest.kafka;

import io.recsys.loadtest.process.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in a child JVM, started
 * from the Kafka jars on this process's classpath: no download, no Docker. Stopped on close.
 */
public final class SingleNodeKafka implements AutoCloseable {
  private final Process broker;
  private final String bootstrap;

  private SingleNodeKafka(Process broker, String bootstrap) {
    this.broker = broker;
    this.bootstrap = bootstrap;
  }

  public static SingleNodeKafka start() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("recsys-kafka-");
    int brokerPort = Ports.free();
    int controllerPort = Ports.free();
    Properties config = new Properties();
    config.setProperty("process.roles", "broker,controller");
    config.setProperty("node.id", "1");
    config.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    config.setProperty("listeners", "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
    config.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
    config.setProperty("controller.listener.names", "CONTROLLER");
    config.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.setProperty("inter.broker.listener.name", "PLAINTEXT");
    config.setProperty("log.dirs", dir.resolve("logs").toString());
    config.setProperty("offsets.topic.replication.factor", "1");
    config.setProperty("transaction.state.log.replication.factor", "1");
    config.setProperty("transaction.state.log.min.isr", "1");
    config.setProperty("group.initial.rebalance.delay.ms", "0");
    config.setProperty("num.partitions", "1");
    Path properties = dir.resolve("server.properties");
    try (var out = Files.newBufferedWriter(properties)) {
      config.store(out, "single-node benchmark broker");
    }
    Path log = dir.resolve("broker.log");
    int formatted =
        java("kafka.tools.StorageTool", log, "format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString())
            .waitFor();
    if (formatted != 0) {
      throw new IllegalStateException("formatting Kafka storage failed; see " + log);
    }
    Process broker = java("kafka.Kafka", log, properties.toString());
    SingleNodeKafka kafka = new SingleNodeKafka(broker, "localhost:" + brokerPort);
    kafka.awaitReady(log);
    return kafka;
  }

  private static Process java(String mainClass, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private void awaitReady(Path log) throws InterruptedException {
    Properties admin = new Properties();
    admin.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!broker.isAlive()) {
        throw new IllegalStateException("the Kafka broker exited; see " + log);
      }
      try (Admin client = Admin.create(admin)) {
        client.describeCluster().nodes().get(2, TimeUnit.SECONDS);
        return;
      } catch (Exception notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the Kafka broker did not come up within 60 s; see " + log);
  }

  public String bootstrapServers() {
    return bootstrap;
  }


  @Override
  public void close() throws InterruptedException {
    broker.toHandle().destroy();
    if (!broker.waitFor(30, TimeUnit.SECONDS)) {
      broker.toHandle().destroyForcibly();
    }
  }
}
