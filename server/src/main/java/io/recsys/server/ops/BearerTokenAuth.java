package io.recsys.server.ops;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import io.recsys.server.api.ClientErrorLog;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the {@code authorization: Bearer <token>} header of every call that needs a scope (see
 * {@link AccessScope}) before the service sees it: no header or a token the file does not hold is
 * {@code UNAUTHENTICATED}, a known token without the scope is {@code PERMISSION_DENIED}; either way
 * the call is closed before its first message is read, so nothing changes.
 */
public final class BearerTokenAuth implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private static final Logger log = LoggerFactory.getLogger(BearerTokenAuth.class);

  private final TokenFile tokens;
  private final AtomicLong refused = new AtomicLong();
  private final ClientErrorLog clientErrors = new ClientErrorLog();

  public BearerTokenAuth(TokenFile tokens) {
    this.tokens = tokens;
  }

  /** Calls refused for a missing, unknown or insufficient token since start. */
  public long refusedCalls() {
    return refused.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AccessScope needed = AccessScope.requiredBy(call.getMethodDescriptor().getFullMethodName());
    if (needed == null) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "this call needs a bearer token: send the header 'authorization: Bearer <token>'"));
    }
    Set<AccessScope> granted = tokens.scopesOf(header.substring(BEARER.length()).strip());
    if (granted.isEmpty()) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("the bearer token is not valid"));
    }
    if (!granted.contains(needed)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "the bearer token does not grant the '" + needed.name().toLowerCase(java.util.Locale.ROOT) + "' scope"));
    }
    return next.startCall(call, headers);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    refused.incrementAndGet();
    String client = ClientErrorLog.clientOf(call);
    if (clientErrors.shouldLog(client)) {
      log.warn(
          "{} {} from {}: {}; further refusals of this client are counted in recsys_auth_refused_calls_total, not logged, for {} minutes",
          call.getMethodDescriptor().getFullMethodName(), status.getCode(), client, status.getDescription(),
          ClientErrorLog.QUIET_FOR.toMinutes());
    }
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
