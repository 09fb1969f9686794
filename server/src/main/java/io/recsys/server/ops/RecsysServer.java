package io.recsys.server.ops;

import io.grpc.protobuf.services.HealthStatusManager;
import io.recsys.server.api.FeedbackGrpcService;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server process: {@link #start}, {@link #stop}, {@link #awaitTermination}. {@link
 * ServerAssembly} wires the parts in data-flow order; they are released in reverse, after the
 * gRPC server has drained.
 */
public final class RecsysServer {
  private static final Logger log = LoggerFactory.getLogger(RecsysServer.class);

  private final ServerConfig config;
  private final GrpcEndpoints server;
  private final HealthStatusManager health;
  private final FeedbackGrpcService feedback;
  private final int metricsPort;
  private final Deque<AutoCloseable> resources;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean stopping;

  private RecsysServer(
      ServerConfig config, GrpcEndpoints server, HealthStatusManager health, FeedbackGrpcService feedback, int metricsPort,
      Deque<AutoCloseable> resources) {
    this.config = config;
    this.feedback = feedback;
    this.metricsPort = metricsPort;
    this.server = server;
    this.health = health;
    this.resources = resources;
  }

  /** Loads the catalog and models, then starts serving; returns once the port is open. */
  public static RecsysServer start(ServerConfig config) throws IOException {
    long begin = System.nanoTime();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      ServerAssembly.Assembled assembled = ServerAssembly.assemble(config, resources);
      log.info(
          "Serving on port {}: model {}, catalog v{} ({} items), started in {} ms",
          assembled.endpoints().port(),
          assembled.modelVersion(),
          assembled.catalogVersion(),
          assembled.catalogSize(),
          (System.nanoTime() - begin) / 1_000_000);
      return new RecsysServer(
          config, assembled.endpoints(), assembled.health(), assembled.feedbackService(), assembled.metricsPort(), resources);
    } catch (IOException | RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  /** The admin service's own port, -1 when it is served on {@link #port()}. */
  public int adminPort() {
    return server.adminPort();
  }

  /** The Prometheus endpoint's port, -1 when metrics are off. */
  public int metricsPort() {
    return metricsPort;
  }

  /**
   * Graceful stop: health turns NOT_SERVING, new calls are refused, feedback streams acknowledge
   * what they read and end UNAVAILABLE (clients reconnect and resend the rest), in-flight calls
   * get up to the drain timeout, then the ONNX sessions and files are released (and the last
   * snapshot written).
   */
  public synchronized void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info("Shutting down: refusing new calls, draining in-flight calls for up to {} s", config.drainTimeout().toSeconds());
    health.enterTerminalState();
    server.shutdown();
    feedback.endStreams(); // open streams answer what they read and end, instead of holding the drain
    try {
      if (!server.awaitTermination(config.drainTimeout().toMillis())) {
        log.warn("Drain timeout passed; cancelling the calls still running");
        server.shutdownNow();
        server.awaitTermination(5_000);
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
