package io.recsys.server.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How every unary handler answers: precise status codes, never a raw stack trace. */
final class GrpcCalls {
  private static final Logger log = LoggerFactory.getLogger(GrpcCalls.class);

  private GrpcCalls() {}

  /** Runs {@code handler} unless the call is already dead, and maps its failures to a status. */
  static <T> void unary(String method, StreamObserver<T> observer, Supplier<T> handler) {
    T response;
    try {
      failIfExpired();
      response = handler.get();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    } catch (RuntimeException e) {
      observer.onError(toStatus(method, e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /** A call whose deadline passed or whose client left is not worth computing. */
  static void failIfExpired() {
    Context context = Context.current();
    Deadline deadline = context.getDeadline();
    if (deadline != null && deadline.isExpired()) {
      throw Status.DEADLINE_EXCEEDED
          .withDescription("deadline expired before the server started the work")
          .asRuntimeException();
    }
    if (context.isCancelled()) {
      throw Status.CANCELLED.withDescription("call cancelled by the client").asRuntimeException();
    }
  }

  /** {@code userId} if it is 1 to {@link ApiLimits#MAX_USER_ID_LENGTH} characters, else INVALID_ARGUMENT ({@code where} prefixes the message). */
  static String checkedUserId(String where, String userId) {
    if (userId.isEmpty()) {
      throw invalid(where + "user_id is empty");
    }
    if (userId.length() > ApiLimits.MAX_USER_ID_LENGTH) {
      throw invalid(where + "user_id has " + userId.length() + " characters, more than " + ApiLimits.MAX_USER_ID_LENGTH);
    }
    return userId;
  }

  static StatusRuntimeException invalid(String description) {
    return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
  }

  static Status toStatus(String method, Throwable e) {
    if (e instanceof StatusRuntimeException status) {
      return status.getStatus();
    }
    if (e instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
    }
    if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("closed")) {
      return Status.UNAVAILABLE.withDescription("the server is shutting down");
    }
    log.error("{} failed", method, e);
    return Status.INTERNAL.withDescription(method + " failed: " + e.getClass().getSimpleName());
  }
}
