package io.recsys.server.ops;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.recsys.v1.RecommenderServiceGrpc;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load shedding for the scoring RPCs: a Resilience4j bulkhead admits at most {@code maxConcurrent}
 * Recommend / RecommendBatch calls at once and refuses the rest at once with RESOURCE_EXHAUSTED,
 * instead of queueing them without bound behind the ONNX sessions. Feedback streams have their
 * own flow control; admin, catalog and health calls are never shed. The services do not know it
 * exists: it is a gRPC interceptor.
 */
public final class ScoringBulkhead implements ServerInterceptor {
  private final Bulkhead bulkhead;
  private final int maxConcurrent;
  private final AtomicLong shed = new AtomicLong();

  public ScoringBulkhead(int maxConcurrent) {
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("--max-concurrent-scoring must be >= 1, got " + maxConcurrent);
    }
    this.maxConcurrent = maxConcurrent;
    this.bulkhead =
        Bulkhead.of(
            "scoring",
            BulkheadConfig.custom().maxConcurrentCalls(maxConcurrent).maxWaitDuration(Duration.ZERO).build());
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!RecommenderServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    if (!bulkhead.tryAcquirePermission()) {
      shed.incrementAndGet();
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "the server is at capacity (" + maxConcurrent + " scoring calls in flight); retry with backoff"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        bulkhead.onComplete();
      }
    };
    ServerCall<Q, A> releasingCall =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            release.run();
            super.close(status, trailers);
          }
        };
    try {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(releasingCall, headers)) {
        @Override
        public void onCancel() {
          release.run();
          super.onCancel();
        }

        // The transport can end a call without ServerCall.close (grpc-java closes the stream
        // itself when a request cannot be parsed): onComplete or onCancel always comes last.
        @Override
        public void onComplete() {
          release.run();
          super.onComplete();
        }
      };
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }

  /** Calls refused since start. */
  public long shedCalls() {
    return shed.get();
  }
}
