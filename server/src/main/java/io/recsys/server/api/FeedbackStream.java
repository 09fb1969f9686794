package io.recsys.server.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One StreamFeedback call with explicit flow control. The server asks the client for {@code
 * window} events up front and for one more only after an acknowledgement has been sent, and sends
 * acknowledgements only while the transport is ready. So at most {@code window} events per stream
 * are ever held: a client that sends faster than events become durable, or that does not read its
 * acknowledgements, is slowed down by HTTP/2 flow control instead of filling the server's heap.
 * Acknowledgements go out in the order the events came in.
 */
final class FeedbackStream implements StreamObserver<StreamFeedbackRequest> {
  private final ServerCallStreamObserver<StreamFeedbackResponse> call;
  private final FeedbackProcessor processor;
  private final ArrayDeque<CompletableFuture<FeedbackAck>> pending = new ArrayDeque<>();
  private boolean clientDone;
  private boolean finished;

  private FeedbackStream(ServerCallStreamObserver<StreamFeedbackResponse> call, FeedbackProcessor processor) {
    this.call = call;
    this.processor = processor;
  }

  static FeedbackStream start(
      StreamObserver<StreamFeedbackResponse> responses, FeedbackProcessor processor, int window) {
    @SuppressWarnings("unchecked")
    ServerCallStreamObserver<StreamFeedbackResponse> call =
        (ServerCallStreamObserver<StreamFeedbackResponse>) responses;
    FeedbackStream stream = new FeedbackStream(call, processor);
    call.disableAutoRequest();
    call.setOnReadyHandler(stream::drain);
    call.setOnCancelHandler(stream::cancelled);
    call.request(window);
    return stream;
  }

  @Override
  public void onNext(StreamFeedbackRequest request) {
    CompletableFuture<FeedbackAck> ack =
        processor
            .submit(FeedbackAcks.toReaction(request.getEvent()))
            .thenApply(result -> FeedbackAcks.toAck(request.getEvent(), result));
    synchronized (this) {
      if (finished) {
        return;
      }
      pending.add(ack);
    }
    ack.whenComplete((result, error) -> drain());
  }

  @Override
  public void onError(Throwable t) {
    cancelled();
  }

  @Override
  public void onCompleted() {
    synchronized (this) {
      clientDone = true;
    }
    drain();
  }

  /** Sends every acknowledgement that is ready, in order, while the transport takes them. */
  private synchronized void drain() {
    while (!finished && !pending.isEmpty() && pending.peek().isDone() && call.isReady()) {
      CompletableFuture<FeedbackAck> head = pending.poll();
      FeedbackAck ack;
      try {
        ack = head.join();
      } catch (CompletionException e) {
        fail(e.getCause());
        return;
      }
      call.onNext(StreamFeedbackResponse.newBuilder().setAck(ack).build());
      call.request(1);
    }
    if (!finished && clientDone && pending.isEmpty()) {
      finished = true;
      call.onCompleted();
    }
  }

  private void fail(Throwable cause) {
    finished = true;
    pending.clear();
    Status status =
        cause instanceof LogUnavailableException
            ? Status.UNAVAILABLE.withDescription(cause.getMessage() + "; events after the last acknowledgement were not stored, resend them")
            : GrpcCalls.toStatus("StreamFeedback", cause);
    call.onError(status.asRuntimeException());
  }

  private synchronized void cancelled() {
    // Events already handed to the log still become durable; their acks have nowhere to go.
    finished = true;
    pending.clear();
  }
}
