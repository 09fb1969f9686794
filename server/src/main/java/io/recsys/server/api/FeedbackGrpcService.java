package io.recsys.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.FeedbackResult;
import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.ReportFeedbackRequest;
import io.recsys.v1.ReportFeedbackResponse;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@code recsys.v1.FeedbackService}: acknowledges each event once it is durable. */
public final class FeedbackGrpcService extends FeedbackServiceGrpc.FeedbackServiceImplBase {
  private final FeedbackProcessor processor;
  private final int streamWindow;
  private final Set<FeedbackStream> openStreams = ConcurrentHashMap.newKeySet();

  /** @param streamWindow events a stream may have in flight before the server stops reading */
  public FeedbackGrpcService(FeedbackProcessor processor, int streamWindow) {
    if (streamWindow < 1) {
      throw new IllegalArgumentException("feedback-stream-window must be >= 1, got " + streamWindow);
    }
    this.processor = processor;
    this.streamWindow = streamWindow;
  }

  @Override
  public StreamObserver<StreamFeedbackRequest> streamFeedback(
      StreamObserver<StreamFeedbackResponse> responses) {
    FeedbackStream[] stream = new FeedbackStream[1];
    stream[0] = FeedbackStream.start(responses, processor, streamWindow, () -> openStreams.remove(stream[0]));
    openStreams.add(stream[0]);
    return stream[0];
  }

  /**
   * For a graceful stop, once the server takes no new calls: every open stream answers what it
   * has read and ends UNAVAILABLE, so the stop need not wait the drain timeout for clients that
   * keep their streams open.
   */
  public void endStreams() {
    openStreams.forEach(FeedbackStream::endForShutdown);
  }

  @Override
  public void reportFeedback(
      ReportFeedbackRequest request, StreamObserver<ReportFeedbackResponse> observer) {
    try {
      GrpcCalls.failIfExpired();
    } catch (RuntimeException e) {
      observer.onError(e);
      return;
    }
    processor
        .submit(FeedbackAcks.toReaction(request.getEvent()))
        .whenComplete((result, error) -> answer(request, result, error, observer));
  }

  /** Answers once; a failure of our own while answering still ends the call (never a silent hang). */
  private static void answer(
      ReportFeedbackRequest request, FeedbackResult result, Throwable error, StreamObserver<ReportFeedbackResponse> observer) {
    if (error != null) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      observer.onError(
          (cause instanceof LogUnavailableException
                  ? Status.UNAVAILABLE.withDescription(cause.getMessage())
                  : GrpcCalls.toStatus("ReportFeedback", cause))
              .asRuntimeException());
      return;
    }
    ReportFeedbackResponse response;
    try {
      response = ReportFeedbackResponse.newBuilder().setAck(FeedbackAcks.toAck(request.getEvent(), result)).build();
    } catch (RuntimeException e) {
      observer.onError(GrpcCalls.toStatus("ReportFeedback", e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
