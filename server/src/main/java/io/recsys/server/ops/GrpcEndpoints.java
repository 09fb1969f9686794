package io.recsys.server.ops;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.recsys.server.api.ApiLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC ports: the main one, and optionally one of the admin service's own, bound to loopback
 * by default, so operating the server (pinning a model, pausing training) can be kept off the
 * network that clients reach. Both ports share the credentials (TLS or plaintext) and the
 * interceptors; health and reflection answer on both, so a load balancer or a probe finds them
 * wherever it looks.
 */
final class GrpcEndpoints {
  private final Server main;
  private final Server admin; // null: the admin service is on the main port

  private GrpcEndpoints(Server main, Server admin) {
    this.main = main;
    this.admin = admin;
  }

  /**
   * Opens the ports.
   *
   * @param interceptors innermost first: the last one sees a call before the others
   * @param clientServices the services on the main port only
   * @param adminService the admin service: on its own port if the config gives one
   * @param everywhere the services on every port (health, reflection)
   */
  static GrpcEndpoints start(
      ServerConfig config,
      List<ServerInterceptor> interceptors,
      List<ServerServiceDefinition> clientServices,
      ServerServiceDefinition adminService,
      List<ServerServiceDefinition> everywhere)
      throws IOException {
    ServerCredentials credentials = config.tls().credentials();
    boolean separateAdmin = config.adminPort() >= 0;
    List<ServerServiceDefinition> onMain = new ArrayList<>(clientServices);
    if (!separateAdmin) {
      onMain.add(adminService);
    }
    onMain.addAll(everywhere);
    Server main = open(new InetSocketAddress(config.port()), credentials, interceptors, onMain);
    if (!separateAdmin) {
      return new GrpcEndpoints(main, null);
    }
    List<ServerServiceDefinition> onAdmin = new ArrayList<>(List.of(adminService));
    onAdmin.addAll(everywhere);
    try {
      return new GrpcEndpoints(
          main, open(new InetSocketAddress(config.adminAddress(), config.adminPort()), credentials, interceptors, onAdmin));
    } catch (IOException | RuntimeException e) {
      main.shutdownNow();
      throw e;
    }
  }

  private static Server open(
      InetSocketAddress address,
      ServerCredentials credentials,
      List<ServerInterceptor> interceptors,
      List<ServerServiceDefinition> services)
      throws IOException {
    NettyServerBuilder builder;
    try {
      builder = NettyServerBuilder.forAddress(address, credentials);
    } catch (IllegalArgumentException e) {
      // Netty reads the PEM files here; say which settings to fix.
      throw new IllegalArgumentException(
          "TLS: tls-cert, tls-key or tls-client-ca could not be used (" + e.getMessage() + ")", e);
    }
    builder.maxInboundMessageSize(ApiLimits.MAX_INBOUND_MESSAGE_BYTES);
    interceptors.forEach(builder::intercept);
    services.forEach(builder::addService);
    return builder.build().start();
  }

  int port() {
    return main.getPort();
  }

  /** The admin port, or -1 when the admin service is on the main port. */
  int adminPort() {
    return admin == null ? -1 : admin.getPort();
  }

  /** Refuses new calls on every port; calls in flight go on. */
  void shutdown() {
    main.shutdown();
    if (admin != null) {
      admin.shutdown();
    }
  }

  void shutdownNow() {
    main.shutdownNow();
    if (admin != null) {
      admin.shutdownNow();
    }
  }

  /** Waits up to {@code millis} for every port's calls to end; true if they did. */
  boolean awaitTermination(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    boolean done = main.awaitTermination(millis, TimeUnit.MILLISECONDS);
    if (admin != null) {
      done &= admin.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    return done;
  }
}
