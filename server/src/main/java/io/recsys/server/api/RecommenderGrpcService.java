package io.recsys.server.api;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.recsys.server.model.DynamicBatcher;
import io.recsys.server.policy.Candidates;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code recsys.v1.RecommenderService}: validates, delegates to the {@link Recommender}. Single
 * Recommend calls go through the dynamic batcher (when batching is on), so concurrent callers
 * share one scoring call; RecommendBatch is already a batch.
 */
public final class RecommenderGrpcService extends RecommenderServiceGrpc.RecommenderServiceImplBase {
  private final Recommender recommender;
  private final DynamicBatcher<QueuedQuery, Candidates> batcher;
  /**
   * Draws and answers each batched query, so the batcher's thread goes straight back to the next
   * model call. Its queue cannot overflow in practice (the batcher queue and the scoring bulkhead
   * bound what is in flight); if it ever did, the batcher's thread finishes the query itself.
   */
  private final ThreadPoolExecutor finishing;

  /** @param maxBatch 1 turns batching off: each call scores alone on its own thread */
  public RecommenderGrpcService(Recommender recommender, int maxBatch, Duration maxDelay) {
    this.recommender = recommender;
    if (maxBatch <= 1) {
      this.batcher = null;
      this.finishing = null;
      return;
    }
    int queueCapacity = 4_096;
    this.batcher =
        new DynamicBatcher<>(
            "recommend-batcher",
            queued -> recommender.score(queued.stream().map(QueuedQuery::query).toList()),
            QueuedQuery::expired,
            maxBatch,
            maxDelay,
            queueCapacity);
    int threads = Runtime.getRuntime().availableProcessors();
    AtomicInteger counter = new AtomicInteger();
    this.finishing =
        new ThreadPoolExecutor(
            threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity + maxBatch),
            runnable -> {
              Thread thread = new Thread(runnable, "recommend-finish-" + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            },
            // Runs a rejected task on the submitting thread, also after shutdown: every call is answered.
            (task, pool) -> task.run());
  }

  @Override
  public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> observer) {
    if (batcher == null) {
      GrpcCalls.unary(
          "Recommend",
          observer,
          () -> toProto(recommender.recommend(List.of(RecommendRequests.toQuery(request, ""))).get(0)));
      return;
    }
    RecommendQuery query;
    try {
      GrpcCalls.failIfExpired();
      query = RecommendRequests.toQuery(request, "");
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    }
    batcher
        .submit(new QueuedQuery(query, Context.current().getDeadline()))
        .whenCompleteAsync(
            (candidates, error) -> {
              if (error != null) {
                observer.onError(batchFailure(error).asRuntimeException());
                return;
              }
              RecommendResponse response;
              try {
                response = toProto(recommender.draw(query, candidates));
              } catch (RuntimeException e) {
                observer.onError(GrpcCalls.toStatus("Recommend", e).asRuntimeException());
                return;
              }
              observer.onNext(response);
              observer.onCompleted();
            },
            finishing);
  }

  private static Status batchFailure(Throwable error) {
    if (error instanceof RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(error.getMessage() + "; retry with backoff");
    }
    if (error instanceof DynamicBatcher.AbandonedException) {
      return Status.DEADLINE_EXCEEDED.withDescription("deadline passed while the request waited for its batch");
    }
    return GrpcCalls.toStatus("Recommend", error);
  }

  /** Mean calls per batch so far; 0 with batching off. */
  public double meanBatchSize() {
    return batcher == null ? 0 : batcher.meanBatchSize();
  }

  /** Stops batching; queued calls are still answered. */
  public void close() throws InterruptedException {
    if (batcher != null) {
      batcher.close();
      finishing.shutdown();
      if (!finishing.awaitTermination(10, TimeUnit.SECONDS)) {
        finishing.shutdownNow();
      }
    }
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
              .setPosition(item.position())
              .setExplored(item.explored()));
    }
    return response.build();
  }
}
