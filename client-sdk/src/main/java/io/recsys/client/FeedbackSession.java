package io.recsys.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A StreamFeedback call that respects flow control: {@link #send} blocks while the server (or the
 * network) is not ready for more, so a fast producer is slowed down instead of buffering events
 * in memory. Acknowledgements arrive, in send order, on the callback given at open; an event is
 * durable on the server once its ACCEPTED (or DUPLICATE) acknowledgement has arrived.
 *
 * <p>Not for concurrent senders: one session per producing thread.
 */
public final class FeedbackSession implements AutoCloseable {
  private final Object readiness = new Object();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final ClientCallStreamObserver<StreamFeedbackRequest> requests;

  FeedbackSession(FeedbackServiceGrpc.FeedbackServiceStub stub, Consumer<FeedbackAck> onAck) {
    CompletableFuture<ClientCallStreamObserver<StreamFeedbackRequest>> started = new CompletableFuture<>();
    stub.streamFeedback(
        new ClientResponseObserver<StreamFeedbackRequest, StreamFeedbackResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<StreamFeedbackRequest> stream) {
            stream.setOnReadyHandler(
                () -> {
                  synchronized (readiness) {
                    readiness.notifyAll();
                  }
                });
            started.complete(stream);
          }

          @Override
          public void onNext(StreamFeedbackResponse response) {
            if (response.hasAck()) {
              onAck.accept(response.getAck());
            }
            response.getAcksList().forEach(onAck);
          }

          @Override
          public void onError(Throwable t) {
            finished.completeExceptionally(t);
            wakeSenders();
          }

          @Override
          public void onCompleted() {
            finished.complete(null);
            wakeSenders();
          }
        });
    this.requests = started.join();
  }

  private void wakeSenders() {
    synchronized (readiness) {
      readiness.notifyAll();
    }
  }

  /** Events one {@link #sendBatch} message may carry. */
  public static final int MAX_BATCH = 1_000;

  /**
   * Sends one event, first waiting (at most {@code maxWait}) until the stream can take it.
   *
   * @throws IllegalStateException if the stream ended or stayed blocked for {@code maxWait}
   */
  public void send(FeedbackEvent event, Duration maxWait) throws InterruptedException {
    sendWhenReady(StreamFeedbackRequest.newBuilder().setEvent(event).build(), maxWait);
  }

  /**
   * Sends up to {@value #MAX_BATCH} events in one message: far less overhead per event for
   * high-volume producers. Their acknowledgements arrive in order, like single ones.
   */
  public void sendBatch(List<FeedbackEvent> events, Duration maxWait) throws InterruptedException {
    if (events.isEmpty() || events.size() > MAX_BATCH) {
      throw new IllegalArgumentException("a batch holds 1 to " + MAX_BATCH + " events, got " + events.size());
    }
    sendWhenReady(StreamFeedbackRequest.newBuilder().addAllEvents(events).build(), maxWait);
  }

  private void sendWhenReady(StreamFeedbackRequest request, Duration maxWait) throws InterruptedException {
    long deadline = System.nanoTime() + maxWait.toNanos();
    synchronized (readiness) {
      while (!requests.isReady()) {
        if (finished.isDone()) {
          throw new IllegalStateException("the feedback stream has ended", failure());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("the feedback stream stayed blocked for " + maxWait);
        }
        readiness.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      requests.onNext(request);
    }
  }

  /** Sends one event, waiting up to 30 s for the stream to take it. */
  public void send(FeedbackEvent event) throws InterruptedException {
    send(event, Duration.ofSeconds(30));
  }

  /** Half-closes and waits until every acknowledgement has arrived or the stream failed. */
  public void finish(Duration timeout) throws InterruptedException, TimeoutException {
    synchronized (readiness) {
      requests.onCompleted();
    }
    try {
      finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the feedback stream failed", e.getCause());
    }
  }

  private Throwable failure() {
    try {
      finished.getNow(null);
      return null;
    } catch (RuntimeException e) {
      return e.getCause();
    }
  }

  /** Abandons the stream; events without an acknowledgement may or may not be stored. */
  @Override
  public void close() {
    if (!finished.isDone()) {
      requests.cancel("closed by the client", null);
    }
  }
}
