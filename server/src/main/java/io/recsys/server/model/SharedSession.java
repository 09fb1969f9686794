package io.recsys.server.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
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
  private final RefCount references = new RefCount("session");

  /** @param options the options the session was made with; they must outlive it */
  SharedSession(OrtSession session, OrtSession.SessionOptions options) {
    this.session = session;
    this.options = options;
  }

  /** Takes a reference; false once the session has been closed (the caller must look again). */
  boolean tryAcquire() {
    return references.tryAcquire();
  }

  /** Gives a reference back; the last one closes the session and its options. */
  void release() {
    if (references.release()) {
      closeNative();
    }
  }

  OrtSession session() {
    return session;
  }

  boolean isClosed() {
    return references.isZero();
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
