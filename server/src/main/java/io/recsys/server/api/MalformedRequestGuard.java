package io.recsys.server.api;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a request the server cannot parse end only its own call, with {@code INVALID_ARGUMENT}.
 *
 * <p>Left to itself, grpc-java parses a request before any interceptor or handler sees it; a
 * parse failure (garbage bytes, invalid UTF-8 in a string field) then bypasses both: the call is
 * closed with {@code UNKNOWN} straight on the transport stream, a stack trace is logged per call,
 * a {@code ServerCall.close} that an interceptor counts on never happens (a bulkhead permit
 * leaked that way), and inside a stream the close races the handler's own writes on another
 * thread, which can break the whole HTTP/2 connection.
 *
 * <p>So each method's request marshaller is wrapped: a parse failure yields {@code null} instead of
 * throwing, and this guard, the listener next to the transport, answers it: it closes the call
 * with {@code INVALID_ARGUMENT} through the same serialised {@link ServerCall} the handler writes
 * through (so the two can never interleave, and the handler's later writes are dropped) and tells
 * the handler the call was cancelled. A failure thrown by a handler's callback is answered the
 * same way, as {@code INTERNAL} (or its own status), and logged with its stack trace: that is a
 * bug of ours. Malformed requests are counted and logged once per client address per ten minutes.
 */
public final class MalformedRequestGuard {
  private static final Logger log = LoggerFactory.getLogger(MalformedRequestGuard.class);

  private final AtomicLong malformed = new AtomicLong();
  private final ClientErrorLog clientErrors = new ClientErrorLog();

  /** The service with every method guarded. */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      methods.add(guard(method));
    }
    // The descriptor must hold the very method descriptors bound (with the lenient marshaller);
    // the schema descriptor stays, so reflection still describes the service.
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
    methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(guarded::addMethod);
    return guarded.build();
  }

  /** Requests that could not be parsed since start. */
  public long malformedRequests() {
    return malformed.get();
  }

  private <Q, A> ServerMethodDefinition<Q, A> guard(ServerMethodDefinition<Q, A> method) {
    MethodDescriptor<Q, A> descriptor = method.getMethodDescriptor();
    MethodDescriptor<Q, A> lenient =
        descriptor.toBuilder()
            .setRequestMarshaller(new LenientMarshaller<>(descriptor.getRequestMarshaller()))
            .build();
    ServerCallHandler<Q, A> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(lenient, (call, headers) -> new GuardedCall<>(call, headers, handler));
  }

  private void countAndLog(ServerCall<?, ?> call, String reason) {
    malformed.incrementAndGet();
    String client = ClientErrorLog.clientOf(call);
    if (clientErrors.shouldLog(client)) {
      log.warn(
          "Unparseable {} request from {} ({}); answered INVALID_ARGUMENT; further ones from this client are"
              + " counted in GetStatus.requests_malformed, not logged, for 10 minutes",
          call.getMethodDescriptor().getFullMethodName(), client, reason);
    }
  }

  /**
   * One guarded call: the handler's listener behind a listener that answers unparseable requests
   * and failed callbacks, and the transport's call behind a serialised wrapper that the handler
   * and the guard both write through.
   */
  private final class GuardedCall<Q, A> extends ServerCall.Listener<Q> {
    private final SerialisedServerCall<Q, A> call;
    private final ServerCall.Listener<Q> handler;
    private final boolean oneRequest;
    // Only touched on the call's serialised callback thread.
    private boolean handlerTold;
    private int requests;

    GuardedCall(ServerCall<Q, A> transportCall, Metadata headers, ServerCallHandler<Q, A> next) {
      this.call = new SerialisedServerCall<>(transportCall);
      this.oneRequest = transportCall.getMethodDescriptor().getType().clientSendsOneMessage();
      this.handler = next.startCall(call, headers);
    }

    @Override
    public void onMessage(Q message) {
      if (call.closedByGuard()) {
        return;
      }
      if (message == null) {
        String reason = LenientMarshaller.takeFailure();
        countAndLog(call, reason);
        end(Status.INVALID_ARGUMENT.withDescription(
            "the request could not be parsed as " + call.getMethodDescriptor().getFullMethodName()
                + " expects (" + reason + ")"));
        return;
      }
      requests++;
      deliver(() -> handler.onMessage(message));
    }

    @Override
    public void onHalfClose() {
      if (call.closedByGuard()) {
        return;
      }
      // (A second request on such a call never reaches us: the transport resets the stream.)
      if (oneRequest && requests == 0) {
        end(Status.INVALID_ARGUMENT.withDescription(
            call.getMethodDescriptor().getFullMethodName() + " takes exactly one request message, got none"));
        return;
      }
      deliver(handler::onHalfClose);
    }

    @Override
    public void onReady() {
      deliver(handler::onReady);
    }

    @Override
    public void onCancel() {
      tellHandlerCancelled();
    }

    @Override
    public void onComplete() {
      if (!handlerTold) {
        handlerTold = true;
        handler.onComplete();
      }
    }

    private void deliver(Runnable callback) {
      if (call.closedByGuard()) {
        return;
      }
      try {
        callback.run();
      } catch (StatusRuntimeException e) {
        end(e.getStatus());
      } catch (RuntimeException e) {
        log.error("{} failed in the server", call.getMethodDescriptor().getFullMethodName(), e);
        end(Status.INTERNAL.withDescription(
            call.getMethodDescriptor().getBareMethodName() + " failed: " + e.getClass().getSimpleName()));
      }
    }

    /** Ends the call for the client, then lets the handler clean up as after a cancellation. */
    private void end(Status status) {
      if (call.closeByGuard(status)) {
        tellHandlerCancelled();
      }
    }

    private void tellHandlerCancelled() {
      if (handlerTold) {
        return;
      }
      handlerTold = true;
      try {
        handler.onCancel();
      } catch (RuntimeException e) {
        log.error("{}: cancellation handler failed", call.getMethodDescriptor().getFullMethodName(), e);
      }
    }
  }
}
