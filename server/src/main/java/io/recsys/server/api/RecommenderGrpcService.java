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
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.policy.Explanation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.Reason;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.SimilarItem;
import io.recsys.v1.RecommenderServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code recsys.v1.RecommenderService}: validates each request and hands it to the {@link
 * RecommendPipeline}, which batches concurrent Recommend calls into shared model calls;
 * RecommendBatch is already a batch.
 */
public final class RecommenderGrpcService extends RecommenderServiceGrpc.RecommenderServiceImplBase {
  private final RecommendPipeline pipeline;
  private final Supplier<CatalogSnapshot> catalog;

  /** @param catalog the live catalog version, that filters are checked against */
  public RecommenderGrpcService(RecommendPipeline pipeline, Supplier<CatalogSnapshot> catalog) {
    this.pipeline = pipeline;
    this.catalog = catalog;
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> observer) {
    RecommendQuery query;
    try {
      GrpcCalls.failIfExpired();
      query = RecommendRequests.toQuery(request, "", catalog.get());
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
          CatalogSnapshot current = catalog.get();
          for (int i = 0; i < count; i++) {
            queries.add(RecommendRequests.toQuery(request.getRequests(i), "requests[" + i + "].", current));
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
      each.clear()
          .setItemId(item.itemId())
          .setScore(item.score())
          .setPropensity(item.propensity())
          .setPosition(item.position())
          .setExplored(item.explored());
      if (item.explanation() != null) {
        each.setExplanation(toProto(item.explanation()));
      }
      response.addItems(each.build());
    }
    return response.build();
  }

  private static io.recsys.v1.Explanation toProto(Explanation explanation) {
    io.recsys.v1.Explanation.Builder proto =
        io.recsys.v1.Explanation.newBuilder().setReason(reasonOf(explanation.reason()));
    if (explanation.reason() == Explanation.Reason.EXPLORING) {
      proto.setPropensity(explanation.propensity());
    }
    for (Explanation.SimilarItem similar : explanation.similarItems()) {
      proto.addSimilarItems(SimilarItem.newBuilder().setItemId(similar.itemId()).setSimilarity(similar.similarity()));
    }
    return proto.build();
  }

  private static Reason reasonOf(Explanation.Reason reason) {
    return switch (reason) {
      case SIMILAR_TO_YOUR_ITEMS -> Reason.REASON_SIMILAR_TO_YOUR_ITEMS;
      case POPULAR -> Reason.REASON_POPULAR;
      case EXPLORING -> Reason.REASON_EXPLORING;
      case NEW_ITEM -> Reason.REASON_NEW_ITEM;
      case SIMILAR_USERS -> Reason.REASON_SIMILAR_USERS;
      case DIVERSITY -> Reason.REASON_DIVERSITY;
    };
  }
}
