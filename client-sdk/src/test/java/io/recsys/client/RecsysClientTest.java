package io.recsys.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.DeleteItemsRequest;
import io.recsys.v1.DeleteItemsResponse;
import io.recsys.v1.ExportUserRequest;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.ForgetUserRequest;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.v1.GetStatusRequest;
import io.recsys.v1.GetStatusResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommenderServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SDK against an in-process server that misbehaves on purpose. */
class RecsysClientTest {
  private final AtomicInteger statusCalls = new AtomicInteger();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final AtomicInteger deleteCalls = new AtomicInteger();
  private final AtomicInteger forgetCalls = new AtomicInteger();
  private final AtomicReference<RecommendRequest> lastRecommend = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void idempotentCallsAreRetriedOnUnavailable() throws Exception {
    RecsysClient client = start(3);
    failuresLeft.set(2);

    GetStatusResponse status = client.status();

    assertThat(status.getModelVersion()).isEqualTo("v-test");
    assertThat(statusCalls.get()).isEqualTo(3);
  }

  @Test
  void retriesStopAfterMaxAttempts() throws Exception {
    RecsysClient client = start(2);
    failuresLeft.set(5);

    assertThatThrownBy(client::status)
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(statusCalls.get()).isEqualTo(2);
  }

  @Test
  void everyCallCarriesTheDeadline() throws Exception {
    RecsysClient client = start(3);

    assertThatThrownBy(() -> client.recommend("slow", 1))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void recommendAsyncCompletesWithTheAnswerOrFailsAtTheDeadline() throws Exception {
    RecsysClient client = start(2);

    RecommendResponse answered = client.recommendAsync(RecommendRequest.newBuilder().setUserId("fast").setK(1).build()).get();
    CompletableFuture<RecommendResponse> unanswered = client.recommendAsync(RecommendRequest.newBuilder().setUserId("slow").setK(1).build());

    assertThat(answered.getEventId()).isEqualTo("event-for-fast");
    assertThatThrownBy(unanswered::get)
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .cause()
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void deleteItemsAndForgetUserAreRetriedOnUnavailable() throws Exception {
    RecsysClient client = start(3);

    failuresLeft.set(1);
    DeleteItemsResponse deleted = client.deleteItems(List.of("a", "b"));
    failuresLeft.set(2);
    ForgetUserResponse forgotten = client.forgetUser("user-1");

    assertThat(deleteCalls.get()).isEqualTo(2);
    assertThat(deleted.getDeletedCount()).isEqualTo(2);
    assertThat(forgetCalls.get()).isEqualTo(3);
    assertThat(forgotten.getFound()).isTrue();
    assertThat(client.exportUser("someone-else").getFound()).isFalse();
    assertThat(client.exportUser("user-1", Duration.ofSeconds(1)).getDislikedItemIdsList()).containsExactly("d1");
    assertThatThrownBy(() -> client.forgetUser("user-1", Duration.ZERO)).hasMessageContaining("deadline must be positive");
  }

  @Test
  void recommendWithOptionsSendsThemAll() throws Exception {
    RecsysClient client = start(2);
    RecommendOptions options =
        RecommendOptions.builder()
            .exclude("x")
            .filter(AttributeFilters.not(AttributeFilters.anyOf("genre", "horror", "gore")), AttributeFilters.range("year", 1990, 2000))
            .explain(true)
            .diversity(0.5)
            .build();

    RecommendResponse response = client.recommend("fast", 4, options);

    assertThat(response.getEventId()).isEqualTo("event-for-fast");
    assertThat(lastRecommend.get()).isEqualTo(options.toRequest("fast", 4));
    assertThat(lastRecommend.get().getFilters(0).getNegate()).isTrue();
    assertThat(lastRecommend.get().getFilters(1).getMin().getValue()).isEqualTo(1990.0);
  }

  @Test
  void theBuilderRejectsNonsense() {
    assertThatThrownBy(() -> RecsysClient.builder(" ")).hasMessageContaining("target is empty");
    assertThatThrownBy(() -> RecsysClient.builder("x").deadline(Duration.ZERO)).hasMessageContaining("deadline must be positive");
    assertThatThrownBy(() -> RecsysClient.builder("x").maxAttempts(0)).hasMessageContaining("maxAttempts must be in [1, 5]");
  }

  /** An in-process server; the client gets the real retry config through its builder. */
  private RecsysClient start(int attempts) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(new FlakyAdmin())
            .addService(new SlowRecommender())
            .addService(new FlakyCatalog())
            .build()
            .start();
    channel =
        InProcessChannelBuilder.forName(name)
            .enableRetry()
            .defaultServiceConfig(RecsysClient.Builder.retryConfig(attempts))
            .build();
    return RecsysClient.builder("in-process").deadline(Duration.ofMillis(200)).buildOn(channel);
  }

  private final class FlakyAdmin extends AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> observer) {
      statusCalls.incrementAndGet();
      if (failuresLeft.getAndDecrement() > 0) {
        observer.onError(Status.UNAVAILABLE.withDescription("draining").asRuntimeException());
        return;
      }
      observer.onNext(GetStatusResponse.newBuilder().setModelVersion("v-test").build());
      observer.onCompleted();
    }

    @Override
    public void forgetUser(ForgetUserRequest request, StreamObserver<ForgetUserResponse> observer) {
      forgetCalls.incrementAndGet();
      if (failuresLeft.getAndDecrement() > 0) {
        observer.onError(Status.UNAVAILABLE.withDescription("draining").asRuntimeException());
        return;
      }
      observer.onNext(ForgetUserResponse.newBuilder().setFound(request.getUserId().equals("user-1")).build());
      observer.onCompleted();
    }

    @Override
    public void exportUser(ExportUserRequest request, StreamObserver<ExportUserResponse> observer) {
      ExportUserResponse.Builder response = ExportUserResponse.newBuilder();
      if (request.getUserId().equals("user-1")) {
        response.setFound(true).addDislikedItemIds("d1");
      }
      observer.onNext(response.build());
      observer.onCompleted();
    }
  }

  private final class FlakyCatalog extends CatalogServiceGrpc.CatalogServiceImplBase {
    @Override
    public void deleteItems(DeleteItemsRequest request, StreamObserver<DeleteItemsResponse> observer) {
      deleteCalls.incrementAndGet();
      if (failuresLeft.getAndDecrement() > 0) {
        observer.onError(Status.UNAVAILABLE.withDescription("draining").asRuntimeException());
        return;
      }
      observer.onNext(DeleteItemsResponse.newBuilder().setDeletedCount(request.getItemIdsCount()).build());
      observer.onCompleted();
    }
  }

  private final class SlowRecommender extends RecommenderServiceGrpc.RecommenderServiceImplBase {
    @Override
    public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> observer) {
      lastRecommend.set(request);
      if (request.getUserId().equals("fast")) {
        observer.onNext(RecommendResponse.newBuilder().setEventId("event-for-fast").build());
        observer.onCompleted();
      }
      // Anyone else never gets an answer: only the client's deadline can end the call.
    }
  }
}
