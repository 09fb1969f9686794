package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.recsys.server.api.VectorCatalogServer;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.GetStatusRequest;
import io.recsys.v1.Item;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommenderServiceGrpc;
import io.recsys.v1.ReportFeedbackRequest;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import io.recsys.v1.UpsertItemsRequest;
import io.recsys.v1.UpsertItemsResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS, mutual TLS, bearer tokens and the admin port, over real sockets with certificates made for
 * the run: what is refused is refused with the status a client can act on, changes nothing, and
 * leaves the server serving the callers who are allowed.
 */
class SecurityTest {
  private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
  private static final String FEEDBACK_TOKEN = "feedback-token-0123456789abcdef";

  @TempDir Path dir;
  private VectorCatalogServer server;
  private final java.util.List<ManagedChannel> channels = new java.util.ArrayList<>();

  @AfterEach
  void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(UnaryOperator<ServerConfig> settings) throws Exception {
    server = VectorCatalogServer.start(dir, 7, 60, 8, "item-", settings);
  }

  private ManagedChannel channel(int port, ChannelCredentials credentials) {
    ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + port, credentials).build();
    channels.add(channel);
    return channel;
  }

  private static RecommendResponse recommend(ManagedChannel channel, String user) {
    return RecommenderServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .recommend(RecommendRequest.newBuilder().setUserId(user).setK(5).build());
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(BearerTokenAuth.AUTHORIZATION, "Bearer " + token);
    return headers;
  }

  @Test
  void tlsServesClientsThatTrustItsCaAndRefusesPlaintextAndUntrustingOnes() throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Leaf cert = TestCertificates.server(dir, ca);
    start(c -> c.toBuilder().tls(TlsSettings.of(cert.certFile(), cert.keyFile(), null)).build());
    int port = server.server.port();

    ManagedChannel trusting = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build());
    assertThat(recommend(trusting, "u1").getItemsCount()).isEqualTo(5);

    ManagedChannel plaintext = channel(port, InsecureChannelCredentials.create());
    assertThat(codeOf(() -> recommend(plaintext, "u1"))).isEqualTo(Status.Code.UNAVAILABLE);

    TestCertificates.Authority other = TestCertificates.authority(dir, "other");
    ManagedChannel untrusting = channel(port, TlsChannelCredentials.newBuilder().trustManager(other.certFile().toFile()).build());
    assertThat(codeOf(() -> recommend(untrusting, "u1"))).isEqualTo(Status.Code.UNAVAILABLE);

    assertThat(recommend(trusting, "u2").getItemsCount()).as("still serving").isEqualTo(5);
  }

  @Test
  void mutualTlsServesOnlyClientsWithAValidCertificateFromItsCa() throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Leaf cert = TestCertificates.server(dir, ca);
    TestCertificates.Authority clientCa = TestCertificates.authority(dir, "clients");
    start(c -> c.toBuilder().tls(TlsSettings.of(cert.certFile(), cert.keyFile(), clientCa.certFile())).build());
    int port = server.server.port();

    TestCertificates.Leaf good = TestCertificates.client(dir, clientCa, "good-client");
    ManagedChannel withCert =
        channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile())
            .keyManager(good.certFile().toFile(), good.keyFile().toFile()).build());
    assertThat(recommend(withCert, "u1").getItemsCount()).isEqualTo(5);

    ManagedChannel withoutCert = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build());
    assertThat(codeOf(() -> recommend(withoutCert, "u1"))).isEqualTo(Status.Code.UNAVAILABLE);

    TestCertificates.Authority stranger = TestCertificates.authority(dir, "stranger");
    TestCertificates.Leaf foreign = TestCertificates.client(dir, stranger, "foreign-client");
    ManagedChannel untrusted =
        channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile())
            .keyManager(foreign.certFile().toFile(), foreign.keyFile().toFile()).build());
    assertThat(codeOf(() -> recommend(untrusted, "u1"))).isEqualTo(Status.Code.UNAVAILABLE);

    TestCertificates.Leaf expired = TestCertificates.expiredClient(dir, clientCa, "expired-client");
    ManagedChannel withExpired =
        channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile())
            .keyManager(expired.certFile().toFile(), expired.keyFile().toFile()).build());
    assertThat(codeOf(() -> recommend(withExpired, "u1"))).isEqualTo(Status.Code.UNAVAILABLE);

    assertThat(recommend(withCert, "u2").getItemsCount()).as("still serving").isEqualTo(5);
  }

  @Test
  void tokensGuardFeedbackCatalogChangesAndAdminByScopeAndRotateWithoutARestart() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "# test tokens\n" + ADMIN_TOKEN + "\n" + FEEDBACK_TOKEN + " feedback\n");
    start(c -> c.toBuilder().tokenFile(tokens).build());
    ManagedChannel channel = channel(server.server.port(), InsecureChannelCredentials.create());

    // Reads and health need no token.
    RecommendResponse list = recommend(channel, "u1");
    assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);

    FeedbackEvent click =
        FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId("u1")
            .setItemId(list.getItems(0).getItemId()).setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
    ReportFeedbackRequest report = ReportFeedbackRequest.newBuilder().setEvent(click).build();
    FeedbackServiceGrpc.FeedbackServiceBlockingStub feedback = FeedbackServiceGrpc.newBlockingStub(channel);
    assertThat(codeOf(() -> feedback.reportFeedback(report))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(codeOf(() -> feedback.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("not-a-known-token-at-all")))
        .reportFeedback(report))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(streamStatus(channel, click)).isEqualTo(Status.Code.UNAUTHENTICATED);

    AdminServiceGrpc.AdminServiceBlockingStub adminAsFeedback =
        AdminServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(FEEDBACK_TOKEN)));
    assertThat(codeOf(() -> adminAsFeedback.getStatus(GetStatusRequest.getDefaultInstance()))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(upsertStatus(channel, FEEDBACK_TOKEN)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(upsertStatus(channel, null)).isEqualTo(Status.Code.UNAUTHENTICATED);

    AdminServiceGrpc.AdminServiceBlockingStub admin =
        AdminServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(ADMIN_TOKEN)));
    assertThat(admin.getStatus(GetStatusRequest.getDefaultInstance()).getFeedbackEventsDurable())
        .as("nothing refused was stored").isZero();
    assertThat(server.client.getItem("item-0").getItemId()).isEqualTo("item-0");
    assertThatThrownBy(() -> server.client.getItem("new-item")).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("NOT_FOUND");

    assertThat(feedback.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(FEEDBACK_TOKEN)))
        .reportFeedback(report).getAck().getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    assertThat(admin.getStatus(GetStatusRequest.getDefaultInstance()).getFeedbackEventsDurable()).isEqualTo(1);

    // Rotation: the new file replaces every token at once, no restart.
    String rotated = "rotated-admin-token-0123456789";
    Files.writeString(tokens, rotated + " admin,catalog,feedback\n");
    AdminServiceGrpc.AdminServiceBlockingStub newAdmin =
        AdminServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(rotated)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (codeOf(() -> newAdmin.getStatus(GetStatusRequest.getDefaultInstance())) != Status.Code.OK) {
      assertThat(System.nanoTime()).as("the rotated token is taken within 10 s").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(codeOf(() -> admin.getStatus(GetStatusRequest.getDefaultInstance()))).isEqualTo(Status.Code.UNAUTHENTICATED);

    // A broken rewrite keeps the tokens in force rather than locking everyone out.
    Files.writeString(tokens, "short\n");
    Thread.sleep(1_200);
    assertThat(codeOf(() -> newAdmin.getStatus(GetStatusRequest.getDefaultInstance()))).isEqualTo(Status.Code.OK);
  }

  @Test
  void theAdminServiceCanHaveALoopbackPortOfItsOwn() throws Exception {
    start(c -> c.toBuilder().adminPort(0).build());
    assertThat(server.server.adminPort()).isPositive().isNotEqualTo(server.server.port());
    ManagedChannel main = channel(server.server.port(), InsecureChannelCredentials.create());
    ManagedChannel admin = channel(server.server.adminPort(), InsecureChannelCredentials.create());

    assertThat(codeOf(() -> AdminServiceGrpc.newBlockingStub(main).getStatus(GetStatusRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(AdminServiceGrpc.newBlockingStub(admin).getStatus(GetStatusRequest.getDefaultInstance()).getCatalogSize()).isEqualTo(60);
    assertThat(codeOf(() -> recommend(admin, "u1"))).as("clients' services stay on the main port").isEqualTo(Status.Code.UNIMPLEMENTED);
    for (ManagedChannel channel : java.util.List.of(main, admin)) {
      assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void badSecuritySettingsFailAtStartNamingTheSetting() throws Exception {
    Path pem = Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
    assertThatThrownBy(() -> TlsSettings.of(pem, null, null)).hasMessageContaining("tls-cert and tls-key");
    assertThatThrownBy(() -> TlsSettings.of(null, null, pem)).hasMessageContaining("tls-client-ca");
    assertThatThrownBy(() -> start(c -> c.toBuilder().tls(TlsSettings.of(pem, pem, null)).build()))
        .hasMessageContaining("TLS");
    assertThatThrownBy(() -> start(c -> c.toBuilder().tls(TlsSettings.of(dir.resolve("absent.pem"), pem, null)).build()))
        .hasMessageContaining("tls-cert: cannot read");

    Path shortToken = Files.writeString(dir.resolve("short-tokens"), "# ops\nabc admin\n");
    assertThatThrownBy(() -> start(c -> c.toBuilder().tokenFile(shortToken).build()))
        .hasMessageContaining("line 2").hasMessageContaining("at least 16");
    Path badScope = Files.writeString(dir.resolve("scope-tokens"), ADMIN_TOKEN + " admin,root\n");
    assertThatThrownBy(() -> start(c -> c.toBuilder().tokenFile(badScope).build())).hasMessageContaining("unknown scope 'root'");
    Path empty = Files.writeString(dir.resolve("empty-tokens"), "# nobody\n");
    assertThatThrownBy(() -> start(c -> c.toBuilder().tokenFile(empty).build())).hasMessageContaining("holds no token");
  }

  /** Completes with OK at the first answer or the end of a call, or with the status it failed with. */
  private static <T> StreamObserver<T> outcomeOf(CompletableFuture<Status.Code> outcome) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        outcome.complete(Status.Code.OK);
      }

      @Override
      public void onError(Throwable t) {
        outcome.complete(Status.fromThrowable(t).getCode());
      }

      @Override
      public void onCompleted() {
        outcome.complete(Status.Code.OK);
      }
    };
  }

  /** The status a tokenless feedback stream with one event ends with, or OK once its ack arrived. */
  private static Status.Code streamStatus(ManagedChannel channel, FeedbackEvent event) throws Exception {
    CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
    FeedbackServiceGrpc.newStub(channel).streamFeedback(SecurityTest.<StreamFeedbackResponse>outcomeOf(outcome))
        .onNext(StreamFeedbackRequest.newBuilder().setEvent(event).build());
    return outcome.get(10, TimeUnit.SECONDS);
  }

  private static Status.Code upsertStatus(ManagedChannel channel, String token) throws Exception {
    CatalogServiceGrpc.CatalogServiceStub stub = CatalogServiceGrpc.newStub(channel);
    if (token != null) {
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
    }
    CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
    StreamObserver<UpsertItemsRequest> requests = stub.upsertItems(SecurityTest.<UpsertItemsResponse>outcomeOf(outcome));
    requests.onNext(UpsertItemsRequest.newBuilder().setItem(Item.newBuilder().setItemId("new-item").setTitle("New")).build());
    requests.onCompleted();
    return outcome.get(10, TimeUnit.SECONDS);
  }
}
