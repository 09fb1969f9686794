package io.recsys.server.api;

import io.grpc.stub.StreamObserver;
import io.recsys.server.policy.RecommendQuery;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.Recommender;
import io.recsys.server.policy.ScoredItem;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.RecommenderServiceGrpc;
import java.util.ArrayList;
import java.util.List;

/** {@code recsys.v1.RecommenderService}: validates, delegates to the {@link Recommender}. */
public final class RecommenderGrpcService extends RecommenderServiceGrpc.RecommenderServiceImplBase {
  private final Recommender recommender;

  public RecommenderGrpcService(Recommender recommender) {
    this.recommender = recommender;
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> observer) {
    GrpcCalls.unary(
        "Recommend",
        observer,
        () -> {
          RecommendQuery query = RecommendRequests.toQuery(request, "");
          return toProto(recommender.recommend(List.of(query)).get(0));
        });
  }

  @Override
  public void recommendBatch(
      RecommendBatchRequest request, StreamObserver<RecommendBatchResponse> observer) {
    GrpcCalls.unary(
        "RecommendBatch",
        observer,
        () -> {
          int count = request.getRequestsCount();
          if (count == 0) {
            throw GrpcCalls.invalid("requests is empty");
          }
          if (count > ApiLimits.MAX_BATCH_REQUESTS) {
            throw GrpcCalls.invalid(
                "requests has " + count + " entries, more than " + ApiLimits.MAX_BATCH_REQUESTS);
          }
          List<RecommendQuery> queries = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            queries.add(RecommendRequests.toQuery(request.getRequests(i), "requests[" + i + "]."));
          }
          RecommendBatchResponse.Builder response = RecommendBatchResponse.newBuilder();
          recommender.recommend(queries).forEach(r -> response.addResponses(toProto(r)));
          return response.build();
        });
  }

  private static RecommendResponse toProto(Recommendation recommendation) {
    RecommendResponse.Builder response =
        RecommendResponse.newBuilder()
            .setEventId(recommendation.eventId())
            .setModelVersion(recommendation.modelVersion())
            .setCatalogVersion(recommendation.catalogVersion());
    for (ScoredItem item : recommendation.items()) {
      response.addItems(
          RecommendedItem.newBuilder()
              .setItemId(item.itemId())
              .setScore(item.score())
              .setPropensity(item.propensity())
              .setPosition(item.position()));
    }
    return response.build();
  }
}
