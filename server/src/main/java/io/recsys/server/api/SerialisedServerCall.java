package io.recsys.server.api;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A {@link ServerCall} whose methods never run at once (grpc-java's own is not thread-safe, and
 * the handler writes from its threads while the guard may close from the transport's), and
 * which drops the handler's writes once the guard has closed it.
 */
final class SerialisedServerCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
  private boolean closed;
  private volatile boolean closedByGuard;

  SerialisedServerCall(ServerCall<Q, A> delegate) {
    super(delegate);
  }

  boolean closedByGuard() {
    return closedByGuard;
  }

  /** True if this closed the call; false if it was closed already. */
  synchronized boolean closeByGuard(Status status) {
    if (closed) {
      return false;
    }
    closed = true;
    closedByGuard = true;
    super.close(status, new Metadata());
    return true;
  }

  @Override
  public synchronized void request(int count) {
    if (!closed) {
      super.request(count);
    }
  }

  @Override
  public synchronized void sendHeaders(Metadata headers) {
    if (!closed) {
      super.sendHeaders(headers);
    }
  }

  @Override
  public synchronized void sendMessage(A message) {
    if (!closed) {
      super.sendMessage(message);
    }
  }

  @Override
  public synchronized void close(Status status, Metadata trailers) {
    if (!closed) {
      closed = true;
      super.close(status, trailers);
    }
  }

  @Override
  public synchronized boolean isReady() {
    return !closed && super.isReady();
  }

  @Override
  public synchronized void setMessageCompression(boolean enabled) {
    if (!closed) {
      super.setMessageCompression(enabled);
    }
  }

  @Override
  public synchronized void setCompression(String compressor) {
    if (!closed) {
      super.setCompression(compressor);
    }
  }

  @Override
  public boolean isCancelled() {
    return closedByGuard || super.isCancelled();
  }
}
