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
 * Load shedding for the scoring RPCs: a Resilience4j bulkhead admits a bounded number of
 * Recommend / RecommendBatch calls at once and refuses the rest at once with RESOURCE_EXHAUSTED,
 * instead of queueing them without bound behind the ONNX sessions. Feedback streams have their
 * own flow control; admin, catalog and health calls are never shed. The services do not know it
 * exists: it is a gRPC interceptor.
 *
 * <p>The bound follows the measured capacity (Little's law): with a latency budget, at most the
 * recent completion rate x the budget are admitted (never fewer than {@value #FLOOR}, never more
 * than {@code maxConcurrent}), so an admitted call waits about the budget at most before its
 * turn, and a stall shorter than the budget (a GC pause, a model swap) refuses nothing: at half
 * of the peak the bound is about twice what a stall fills. A fixed bound refused calls in such
 * stalls at half load while it allowed a slow model (a million items) to queue seconds of work.
 * Without a budget the bound is {@code maxConcurrent}.
 */
public final class ScoringBulkhead implements ServerInterceptor {
  /** The least the bound falls to: what a cold server (no rate measured yet) admits. */
  static final int FLOOR = 64;
  private static final long UPDATE_NANOS = 100_000_000;
  /** The completion rate is an average over about this long. */
  private static final double RATE_TIME_CONSTANT_NANOS = 1e9;

  private final Bulkhead bulkhead;
  private final int maxConcurrent;
  private final double budgetSeconds;
  private final AtomicLong shed = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong nextUpdateNanos;
  private volatile int limit;
  // Guarded by the update that wins nextUpdateNanos.
  private long lastUpdateNanos;
  private long lastCompleted;
  private double completionsPerSecond;

  /** A fixed bound of {@code maxConcurrent}. */
  public ScoringBulkhead(int maxConcurrent) {
    this(maxConcurrent, Duration.ZERO);
  }

  /**
   * @param maxConcurrent the most ever admitted at once
   * @param latencyBudget how long an admitted call may expect to wait for its turn; zero: the bound is {@code maxConcurrent}
   */
  public ScoringBulkhead(int maxConcurrent, Duration latencyBudget) {
    this(maxConcurrent, latencyBudget, System.nanoTime());
  }

  /** As of {@code nowNanos}, so a test can run the rate on its own clock. */
  ScoringBulkhead(int maxConcurrent, Duration latencyBudget, long nowNanos) {
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("--max-concurrent-scoring must be >= 1, got " + maxConcurrent);
    }
    if (latencyBudget.isNegative()) {
      throw new IllegalArgumentException("--scoring-latency-budget-ms must be >= 0, got " + latencyBudget.toMillis());
    }
    this.maxConcurrent = maxConcurrent;
    this.lastUpdateNanos = nowNanos;
    this.nextUpdateNanos = new AtomicLong(nowNanos + UPDATE_NANOS);
    this.budgetSeconds = latencyBudget.toNanos() / 1e9;
    this.limit = budgetSeconds == 0 ? maxConcurrent : Math.min(FLOOR, maxConcurrent);
    this.bulkhead =
        Bulkhead.of(
            "scoring",
            BulkheadConfig.custom().maxConcurrentCalls(limit).maxWaitDuration(Duration.ZERO).build());
  }

  /** Calls admitted at once now. */
  public int limit() {
    return limit;
  }

  /** A call admitted earlier ended at {@code now} (nanoTime). */
  void completedOne(long now) {
    completed.incrementAndGet();
    long due = nextUpdateNanos.get();
    if (budgetSeconds > 0 && now >= due && nextUpdateNanos.compareAndSet(due, now + UPDATE_NANOS)) {
      updateLimit(now);
    }
  }

  private void updateLimit(long now) {
    long count = completed.get();
    double elapsed = now - lastUpdateNanos;
    double rate = (count - lastCompleted) / (elapsed / 1e9);
    completionsPerSecond += (1 - Math.exp(-elapsed / RATE_TIME_CONSTANT_NANOS)) * (rate - completionsPerSecond);
    lastUpdateNanos = now;
    lastCompleted = count;
    int next = (int) Math.min(maxConcurrent, Math.max(FLOOR, Math.ceil(completionsPerSecond * budgetSeconds)));
    if (next != limit) {
      limit = next;
      bulkhead.changeConfig(BulkheadConfig.from(bulkhead.getBulkheadConfig()).maxConcurrentCalls(next).build());
    }
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
              "the server is at capacity (" + limit + " scoring calls in flight)"
                  + (limit < maxConcurrent ? ", as many as its measured rate serves within " + Math.round(budgetSeconds * 1e3) + " ms" : "")
                  + "; retry with backoff"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        bulkhead.onComplete();
        completedOne(System.nanoTime());
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
