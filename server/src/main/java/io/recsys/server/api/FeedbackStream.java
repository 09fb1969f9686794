package io.recsys.server.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One StreamFeedback call with explicit flow control. The server reads a request only when it has
 * asked for one, keeps at most a few requests asked for, and asks for more only while fewer than
 * {@code window} events await their acknowledgement; it sends acknowledgements only while the
 * transport is ready. So a stream never holds more than {@code window} events plus a few requests'
 * worth: a client that sends faster than events become durable, or that does not read its
 * acknowledgements, is slowed down by HTTP/2 flow control instead of filling the server's heap.
 * Responses go out in request order, one per request.
 */
final class FeedbackStream implements StreamObserver<StreamFeedbackRequest> {
  static final int MAX_EVENTS_PER_REQUEST = 1_000;
  /** Requests asked for ahead of time; enough to keep the pipe full, few enough to bound memory. */
  private static final int REQUESTS_AHEAD = 8;

  /** The acknowledgements owed for one request. */
  private record Owed(boolean single, List<CompletableFuture<FeedbackAck>> acks, CompletableFuture<Void> all) {}

  private final ServerCallStreamObserver<StreamFeedbackResponse> call;
  private final FeedbackProcessor processor;
  private final int window;
  private final ArrayDeque<Owed> owed = new ArrayDeque<>();
  private int eventsInFlight;
  private int requestsAsked;
  private boolean clientDone;
  /** The server is stopping: read nothing more, answer what was read, then end the call. */
  private boolean ending;
  private boolean finished;
  private final Runnable onFinished;

  private FeedbackStream(
      ServerCallStreamObserver<StreamFeedbackResponse> call, FeedbackProcessor processor, int window, Runnable onFinished) {
    this.call = call;
    this.processor = processor;
    this.window = window;
    this.onFinished = onFinished;
  }

  /** @param onFinished told once when the call ends, however it ends */
  static FeedbackStream start(
      StreamObserver<StreamFeedbackResponse> responses, FeedbackProcessor processor, int window, Runnable onFinished) {
    ServerCallStreamObserver<StreamFeedbackResponse> call =
        (ServerCallStreamObserver<StreamFeedbackResponse>) responses;
    FeedbackStream stream = new FeedbackStream(call, processor, window, onFinished);
    call.disableAutoRequest();
    call.setOnReadyHandler(stream::drain);
    call.setOnCancelHandler(stream::cancelled);
    synchronized (stream) {
      stream.askForMore();
    }
    return stream;
  }

  @Override
  public void onNext(StreamFeedbackRequest request) {
    List<FeedbackEvent> events = new ArrayList<>(request.getEventsCount() + 1);
    if (request.hasEvent()) {
      events.add(request.getEvent());
    }
    events.addAll(request.getEventsList());
    if (events.size() > MAX_EVENTS_PER_REQUEST) {
      synchronized (this) {
        fail(Status.INVALID_ARGUMENT.withDescription(
            "a request carries at most " + MAX_EVENTS_PER_REQUEST + " events, got " + events.size()));
      }
      return;
    }
    List<CompletableFuture<FeedbackAck>> acks = new ArrayList<>(events.size());
    for (FeedbackEvent event : events) {
      acks.add(
          processor.submit(FeedbackAcks.toReaction(event)).thenApply(result -> FeedbackAcks.toAck(event, result)));
    }
    boolean single = request.hasEvent() && request.getEventsCount() == 0;
    Owed entry = new Owed(single, acks, CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)));
    synchronized (this) {
      requestsAsked--;
      if (finished) {
        return;
      }
      owed.add(entry);
      eventsInFlight += acks.size();
      askForMore();
    }
    entry.all().whenComplete((ok, error) -> drain());
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

  /** Sends every response that is complete, in order, while the transport takes them. */
  private synchronized void drain() {
    while (!finished && !owed.isEmpty() && owed.peek().all().isDone() && call.isReady()) {
      Owed head = owed.poll();
      StreamFeedbackResponse response;
      try {
        response = response(head);
      } catch (CompletionException e) {
        Throwable cause = e.getCause();
        fail(cause instanceof LogUnavailableException
            ? Status.UNAVAILABLE.withDescription(
                cause.getMessage() + "; events without an acknowledgement were not stored, resend them")
            : GrpcCalls.toStatus("StreamFeedback", cause));
        return;
      }
      call.onNext(response);
      eventsInFlight -= head.acks().size();
    }
    askForMore();
    if (!finished && owed.isEmpty() && ending) {
      fail(Status.UNAVAILABLE.withDescription(
          "the server is shutting down: every event acknowledged so far is stored; reconnect and send the rest again"));
    } else if (!finished && clientDone && owed.isEmpty()) {
      finished = true;
      call.onCompleted();
      onFinished.run();
    }
  }

  /**
   * Ends the call for a graceful stop: nothing more is read, what was read is acknowledged once
   * durable, then the call ends UNAVAILABLE, so the client reconnects (to this server restarted,
   * or another) and sends again only what has no acknowledgement. Without this a stream a client
   * keeps open would hold the stop until the drain timeout.
   */
  synchronized void endForShutdown() {
    ending = true;
    drain();
  }

  private static StreamFeedbackResponse response(Owed owed) {
    if (owed.single()) {
      return StreamFeedbackResponse.newBuilder().setAck(owed.acks().get(0).join()).build();
    }
    StreamFeedbackResponse.Builder response = StreamFeedbackResponse.newBuilder();
    for (CompletableFuture<FeedbackAck> ack : owed.acks()) {
      response.addAcks(ack.join());
    }
    return response.build();
  }

  /** Keeps a few requests asked for while the window has room. Caller holds the monitor. */
  private void askForMore() {
    if (finished || clientDone || ending || eventsInFlight >= window || requestsAsked >= REQUESTS_AHEAD) {
      return;
    }
    int more = REQUESTS_AHEAD - requestsAsked;
    requestsAsked += more;
    call.request(more);
  }

  /** Ends the call with an error. Caller holds the monitor. */
  private void fail(Status status) {
    if (finished) {
      return;
    }
    finished = true;
    owed.clear();
    call.onError(status.asRuntimeException());
    onFinished.run();
  }

  private synchronized void cancelled() {
    // Events already handed to the log still become durable; their acks have nowhere to go.
    boolean wasFinished = finished;
    finished = true;
    owed.clear();
    if (!wasFinished) {
      onFinished.run();
    }
  }
}
