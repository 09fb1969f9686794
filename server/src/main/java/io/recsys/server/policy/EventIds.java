package io.recsys.server.policy;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Impression ids, unique across restarts and replicas without coordination: a random 64-bit
 * prefix drawn at start, then a counter. Cheap on the hot path (no SecureRandom per call).
 */
public final class EventIds {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  public EventIds() {
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.prefix = HexFormat.of().formatHex(random) + "-";
  }

  public String next() {
    return prefix + Long.toString(counter.incrementAndGet(), 36);
  }
}
