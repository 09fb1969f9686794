package io.recsys.server.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.recsys.server.model.DynamicBatcher;
import io.recsys.server.policy.RecommendPipeline;
import io.recsys.server.policy.RecommendQuery;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.RecommenderServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code recsys.v1.RecommenderService}: validates each request and hands it to the {@link
 * RecommendPipeline}, which batches concurrent Recommend calls into shared model calls;
 * RecommendBatch is already a batch.
 */
public final class RecommenderGrpcService extends RecommenderServiceGrpc.RecommenderServiceImplBase {
  private final RecommendPipeline pipeline;

  public RecommenderGrpcService(RecommendPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> observer) {
    RecommendQuery query;
    try {
      GrpcCalls.failIfExpired();
      query = RecommendRequests.toQuery(request, "");
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    }
    Deadline deadline = Context.current().getDeadline();
    pipeline
        .recommend(query, () -> deadline != null && deadline.isExpired())
        .whenComplete(
            (recommendation, error) -> {
              if (error != null) {
                observer.onError(failure(error).asRuntimeException());
                return;
              }
              observer.onNext(toProto(recommendation));
              observer.onCompleted();
            });
  }

  private static Status failure(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(cause.getMessage() + "; retry with backoff");
    }
    if (cause instanceof DynamicBatcher.AbandonedException) {
      return Status.DEADLINE_EXCEEDED.withDescription("deadline passed while the request waited for its batch");
    }
    return GrpcCalls.toStatus("Recommend", cause);
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
          pipeline.recommendAll(queries).forEach(r -> response.addResponses(toProto(r)));
          return response.build();
        });
  }

  private static RecommendResponse toProto(Recommendation recommendation) {
    RecommendResponse.Builder response =
        RecommendResponse.newBuilder()
            .setEventId(recommendation.eventId())
            .setModelVersion(recommendation.modelVersion())
            .setCatalogVersion(recommendation.catalogVersion());
    RecommendedItem.Builder each = RecommendedItem.newBuilder(); // one builder for all items: build() copies
    for (ScoredItem item : recommendation.items()) {
      response.addItems(
          each.clear()
              .setItemId(item.itemId())
              .setScore(item.score())
              .setPropensity(item.propensity())
              .setPosition(item.position())
              .setExplored(item.explored())
              .build());
    }
    return response.build();
  }
}
