package io.recsys.server.model;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference count that starts at one (the creator's) and never comes back from zero: once the
 * last reference is released, {@link #tryAcquire()} fails, so nobody can use what was closed.
 */
final class RefCount {
  private final AtomicInteger references = new AtomicInteger(1);
  private final String what;

  RefCount(String what) {
    this.what = what;
  }

  /** Takes a reference; false once the count has reached zero. */
  boolean tryAcquire() {
    while (true) {
      int current = references.get();
      if (current == 0) {
        return false;
      }
      if (references.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Gives a reference back; true for the last one, whose holder must now close the resource. */
  boolean release() {
    int left = references.decrementAndGet();
    if (left < 0) {
      throw new IllegalStateException(what + " released more often than acquired");
    }
    return left == 0;
  }

  boolean isZero() {
    return references.get() == 0;
  }
}
