package io.recsys.server.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Rate limit for logging what clients do wrong: the first refusal from a client host is worth a
 * line (an operator learns that a deployment is misconfigured), the next thousand are not (a
 * looping client would flood the log). Counters carry the totals; this only decides what to say.
 */
public final class ClientErrorLog {
  /** How long a client host stays quiet in the log after its first line. */
  public static final Duration QUIET_FOR = Duration.ofMinutes(10);

  // Bounded: a scan from many addresses cannot grow it without limit.
  private final Cache<String, Boolean> recentlyLogged =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(QUIET_FOR).build();

  /** True the first time a host is seen in {@link #QUIET_FOR}: log this one. */
  public boolean shouldLog(String clientHost) {
    return recentlyLogged.asMap().putIfAbsent(clientHost, Boolean.TRUE) == null;
  }

  /** The client's host (the port changes per connection; one client is one host). */
  public static String clientOf(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (address instanceof InetSocketAddress inet) {
      return inet.getHostString();
    }
    return String.valueOf(address);
  }
}
