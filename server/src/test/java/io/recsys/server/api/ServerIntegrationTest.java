package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.v1.GetStatusResponse;
import io.recsys.v1.Item;
import io.recsys.v1.ModelVersionState;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The server on a real socket over the embedded goodbooks-10k catalog, called through the SDK. */
@ExtendWith(GoodbooksServer.class)
class ServerIntegrationTest {
  private static RecsysClient client;

  @BeforeAll
  static void connect(RecsysClient sharedClient) {
    client = sharedClient;
  }

  @Test
  void recommendReturnsKDistinctRealBooksWithSortedScores() {
    RecommendResponse response = client.recommend("reader-1", 10);

    List<RecommendedItem> items = response.getItemsList();
    assertThat(items).hasSize(10);
    assertThat(items).extracting(RecommendedItem::getItemId).doesNotHaveDuplicates();
    for (int i = 1; i < items.size(); i++) {
      assertThat(items.get(i).getScore()).isLessThanOrEqualTo(items.get(i - 1).getScore());
    }
    assertThat(items).extracting(RecommendedItem::getPosition).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(items).allSatisfy(item -> assertThat(item.getPropensity()).isEqualTo(1f));
    assertThat(response.getEventId()).isNotBlank();
    assertThat(response.getModelVersion()).isEqualTo("v1");
    for (RecommendedItem item : items) {
      assertThat(client.getItem(item.getItemId()).getTitle()).isNotBlank();
    }
  }

  @Test
  void anUnknownUserOnAnUntouchedServerGetsThePopularityPrior() throws Exception {
    RecsysServer untouched = GoodbooksServer.startUntouched();
    try (RecsysClient own = RecsysClient.builder("localhost:" + untouched.port()).build()) {
      RecommendResponse response = own.recommend("never-seen-before", 3);

      // Book 1, The Hunger Games, has the most ratings in goodbooks-10k; book 2 the second most.
      assertThat(response.getItems(0).getItemId()).isEqualTo("1");
      assertThat(response.getItems(1).getItemId()).isEqualTo("2");
    } finally {
      untouched.stop();
    }
  }

  @Test
  void excludedItemsNeverAppearAndTheListStaysFull() {
    List<String> top = client.recommend("reader-2", 5).getItemsList().stream().map(RecommendedItem::getItemId).toList();

    RecommendResponse response = client.recommend("reader-2", 5, top);

    assertThat(response.getItemsList()).hasSize(5);
    assertThat(response.getItemsList()).extracting(RecommendedItem::getItemId).doesNotContainAnyElementsOf(top);
  }

  @Test
  void everyResponseHasItsOwnEventId() {
    RecommendBatchResponse batch =
        client.recommendBatch(
            List.of(request("a", 3), request("b", 5), request("c", 1)));

    assertThat(batch.getResponsesList()).extracting(r -> r.getItemsCount()).containsExactly(3, 5, 1);
    assertThat(batch.getResponsesList()).extracting(RecommendResponse::getEventId).doesNotHaveDuplicates();
    assertThat(client.recommend("a", 3).getEventId()).isNotIn(batch.getResponsesList().stream().map(RecommendResponse::getEventId).toList());
  }

  @Test
  void statusAndVersionsDescribeTheLiveModel() {
    client.recommend("status-reader", 3);
    GetStatusResponse status = client.status();

    assertThat(status.getModelVersion()).isEqualTo("v1");
    assertThat(status.getCatalogSize()).isEqualTo(10_000);
    assertThat(status.getStartedAt().getSeconds()).isPositive();
    assertThat(status.getRecommendMeanBatchSize()).as("batching is on by default").isGreaterThanOrEqualTo(1.0);
    assertThat(status.getImpressionsClosedEarly()).isZero();
    assertThat(client.modelVersions().getVersionsList())
        .singleElement()
        .satisfies(v -> assertThat(v.getState()).isEqualTo(ModelVersionState.MODEL_VERSION_STATE_LIVE));
  }

  @Test
  void healthIsServing() {
    HealthCheckResponse overall = HealthGrpc.newBlockingStub(client.channel()).check(HealthCheckRequest.getDefaultInstance());
    HealthCheckResponse recommender =
        HealthGrpc.newBlockingStub(client.channel())
            .check(HealthCheckRequest.newBuilder().setService("recsys.v1.RecommenderService").build());

    assertThat(overall.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(recommender.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> stream =
        ServerReflectionGrpc.newStub(client.channel())
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    stream.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    stream.onCompleted();

    List<String> services =
        answer.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    assertThat(services)
        .contains(
            "recsys.v1.RecommenderService",
            "recsys.v1.CatalogService",
            "recsys.v1.AdminService",
            "grpc.health.v1.Health");
  }

  @Test
  void badRecommendRequestsGetInvalidArgumentWithAReason() {
    assertStatus(() -> client.recommend("u", 0), Status.Code.INVALID_ARGUMENT, "k must be in [1, 500], got 0");
    assertStatus(() -> client.recommend("u", 501), Status.Code.INVALID_ARGUMENT, "got 501");
    assertStatus(() -> client.recommend("", 5), Status.Code.INVALID_ARGUMENT, "user_id is empty");
    assertStatus(() -> client.recommend("u".repeat(257), 5), Status.Code.INVALID_ARGUMENT, "user_id has 257 characters");
    List<String> tooMany = IntStream.range(0, 1_001).mapToObj(Integer::toString).toList();
    assertStatus(() -> client.recommend("u", 5, tooMany), Status.Code.INVALID_ARGUMENT, "exclude_item_ids has 1001 ids");
  }

  @Test
  void badBatchesAreRefusedWhole() {
    assertStatus(() -> client.recommendBatch(List.of()), Status.Code.INVALID_ARGUMENT, "requests is empty");
    assertStatus(
        () -> client.recommendBatch(Collections.nCopies(257, request("u", 1))),
        Status.Code.INVALID_ARGUMENT,
        "257 entries");
    assertStatus(
        () -> client.recommendBatch(List.of(request("u", 1), request("v", 0))),
        Status.Code.INVALID_ARGUMENT,
        "requests[1].k must be in");
  }

  @Test
  void anOversizedMessageIsRefusedBeforeItIsParsed() {
    assertStatus(() -> client.recommend("u".repeat(5 << 20), 5), Status.Code.RESOURCE_EXHAUSTED, "");
  }

  @Test
  void unknownItemsAreNotFound() {
    assertStatus(() -> client.getItem("no-such-book"), Status.Code.NOT_FOUND, "no item with item_id 'no-such-book'");
    assertStatus(() -> client.getItem(""), Status.Code.INVALID_ARGUMENT, "item_id is empty");
  }

  @Test
  void aBadItemFailsTheWholeUpsertAndChangesNothing() {
    long versionBefore = client.status().getCatalogVersion();
    List<Item> items =
        List.of(
            Item.newBuilder().setItemId("fine-1").setTitle("A fine book").build(),
            Item.newBuilder().setItemId("broken").build());

    assertStatus(() -> client.upsertItems(items), Status.Code.INVALID_ARGUMENT, "item #1: item 'broken' has neither title nor text");
    assertThat(client.status().getCatalogVersion()).isEqualTo(versionBefore);
    assertStatus(() -> client.getItem("fine-1"), Status.Code.NOT_FOUND, "");
  }

  private static RecommendRequest request(String user, int k) {
    return RecommendRequest.newBuilder().setUserId(user).setK(k).build();
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(String.valueOf(e.getStatus().getDescription())).contains(message);
            });
  }
}
