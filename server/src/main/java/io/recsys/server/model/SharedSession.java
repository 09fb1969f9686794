package io.recsys.server.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX Runtime session shared by concurrent callers and closed only after the last of them is
 * done: closing a session while {@code run} is in flight can crash the JVM (onnxruntime #21812).
 *
 * <p>The creator holds the first reference and gives it up with {@link #release()} when the session
 * is retired; every user brackets its work with {@link #tryAcquire()} and {@link #release()}.
 */
final class SharedSession {
  private static final Logger log = LoggerFactory.getLogger(SharedSession.class);

  private final OrtSession session;
  private final OrtSession.SessionOptions options;
  private final AtomicInteger references = new AtomicInteger(1);

  /** @param options the options the session was made with; they must outlive it */
  SharedSession(OrtSession session, OrtSession.SessionOptions options) {
    this.session = session;
    this.options = options;
  }

  /** Takes a reference; false once the session has been closed (the caller must look again). */
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

  /** Gives a reference back; the last one closes the session and its options. */
  void release() {
    int left = references.decrementAndGet();
    if (left == 0) {
      closeNative();
    } else if (left < 0) {
      throw new IllegalStateException("session released more often than acquired");
    }
  }

  OrtSession session() {
    return session;
  }

  boolean isClosed() {
    return references.get() == 0;
  }

  private void closeNative() {
    try {
      session.close();
    } catch (OrtException e) {
      log.warn("Closing an ONNX session failed", e);
    }
    options.close();
  }
}
