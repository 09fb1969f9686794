package io.recsys.server.feedback;

import com.google.gson.JsonObject;
import io.recsys.server.storage.AuditLog;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets a user everywhere the server keeps them (the right to erasure): the log's records are
 * rewritten without them, the feedback loop drops their state, posterior, open lists and replay
 * transitions, a fresh snapshot replaces every older one, and an audit record says that a user
 * was forgotten and when, by a random id, with counts and nothing of the user. One erasure at a
 * time; an unknown user changes nothing and leaves no record.
 */
public final class UserErasure {
  private static final Logger log = LoggerFactory.getLogger(UserErasure.class);
  /** Rewriting a large log takes a while; past this something is stuck. */
  private static final long TIMEOUT_SECONDS = 600;

  private final FeedbackProcessor processor;
  private final Checkpointer checkpointer;
  private final AuditLog audit;
  private final Clock clock;
  private final java.util.concurrent.atomic.AtomicLong usersForgotten = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong recordsErased = new java.util.concurrent.atomic.AtomicLong();
  private volatile double lastSeconds;

  /** What an erasure did, and its audit record's id (empty when nothing was found). */
  public record Result(FeedbackProcessor.Forgotten forgotten, Instant at, String auditId) {}

  public UserErasure(FeedbackProcessor processor, Checkpointer checkpointer, AuditLog audit, Clock clock) {
    this.processor = processor;
    this.checkpointer = checkpointer;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Forgets {@code userId}. Throws {@link UnsupportedOperationException} where the log cannot be
   * rewritten, {@link LogUnavailableException} when it is closed or overloaded.
   */
  public synchronized Result forget(String userId) throws Exception {
    long start = System.nanoTime();
    FeedbackProcessor.Forgotten forgotten;
    try {
      forgotten = checkpointer.replaceSnapshotsAfter(
          () -> processor.forget(userId).get(TIMEOUT_SECONDS, TimeUnit.SECONDS), FeedbackProcessor.Forgotten::found);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    Instant at = clock.instant();
    if (!forgotten.found()) {
      return new Result(forgotten, at, "");
    }
    String auditId = UUID.randomUUID().toString();
    JsonObject record = new JsonObject();
    record.addProperty("audit_id", auditId);
    record.addProperty("action", "forget-user");
    record.addProperty("at", at.toString());
    record.addProperty("log_records_erased", forgotten.logRecords());
    record.addProperty("open_lists_dropped", forgotten.openLists());
    record.addProperty("transitions_removed", forgotten.transitions());
    record.addProperty("state_removed", forgotten.state());
    audit.append(record);
    usersForgotten.incrementAndGet();
    recordsErased.addAndGet(forgotten.logRecords());
    lastSeconds = (System.nanoTime() - start) / 1e9;
    log.info(
        "Forgot a user (audit id {}): {} log records erased, {} open lists and {} transitions dropped, state {}",
        auditId, forgotten.logRecords(), forgotten.openLists(), forgotten.transitions(), forgotten.state() ? "removed" : "none");
    return new Result(forgotten, at, auditId);
  }

  /** Users forgotten since the start (calls that found nothing not counted). */
  public long usersForgotten() {
    return usersForgotten.get();
  }

  /** Log records those erasures replaced. */
  public long recordsErased() {
    return recordsErased.get();
  }

  /** How long the last erasure took, log rewrite and fresh snapshot included. */
  public double lastErasureSeconds() {
    return lastSeconds;
  }
}
