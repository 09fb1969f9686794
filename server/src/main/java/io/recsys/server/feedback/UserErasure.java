package io.recsys.server.feedback;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.recsys.server.storage.AtomicFiles;
import io.recsys.server.storage.AuditLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
  private final Path inProgress;
  private final Clock clock;
  private final AtomicLong usersForgotten = new AtomicLong();
  private final AtomicLong recordsErased = new AtomicLong();
  private volatile double lastSeconds;

  /**
   * What an erasure did, and its audit record's id (empty when nothing was found). {@code resumed}:
   * an earlier call for the user failed midway, and this one finished it.
   */
  public record Result(FeedbackProcessor.Forgotten forgotten, boolean resumed, Instant at, String auditId) {
    /** Whether the server held anything of the user when the erasure (or the one it resumed) began. */
    public boolean found() {
      return forgotten.found() || resumed;
    }
  }

  /**
   * @param inProgress where the user being forgotten is named until the erasure is complete
   *     ({@link #finishInterrupted} reads it at the next start)
   */
  public UserErasure(FeedbackProcessor processor, Checkpointer checkpointer, AuditLog audit, Path inProgress, Clock clock) {
    this.processor = processor;
    this.checkpointer = checkpointer;
    this.audit = audit;
    this.inProgress = inProgress;
    this.clock = clock;
  }

  /**
   * Finishes the erasures a crash or kill interrupted (their users named in the in-progress
   * file): the log may be rewritten already while an older snapshot still holds a user's state,
   * which this start restored. Run before serving. Returns how many it finished; one that fails
   * again stays named (a repeated ForgetUser, or the next start, finishes it).
   */
  public synchronized int finishInterrupted() throws IOException {
    int finished = 0;
    for (String userId : pending()) {
      try {
        forget(userId);
        finished++;
      } catch (Exception e) {
        log.error("An interrupted erasure could not be finished at this start; repeat ForgetUser for the user (audit log has no id): {}", e.toString());
      }
    }
    if (finished > 0) {
      log.info("Finished {} erasures a stop had interrupted", finished);
    }
    return finished;
  }

  /**
   * Forgets {@code userId}. Throws {@link UnsupportedOperationException} where the log cannot be
   * rewritten, {@link LogUnavailableException} when it is closed or overloaded. The user stays
   * named in the in-progress file until everything is done, the audit record written.
   */
  public synchronized Result forget(String userId) throws Exception {
    long start = System.nanoTime();
    Set<String> pending = pending();
    // Named already: an earlier call failed midway, maybe after the log's rewrite, with the
    // older snapshots still there. This one replaces them and writes the audit record even if
    // it finds nothing left.
    boolean resumed = !pending.add(userId);
    writePending(pending);
    Result result;
    try {
      result = forgetNamed(userId, resumed, start);
    } catch (UnsupportedOperationException e) {
      pending.remove(userId); // nothing was changed
      writePending(pending);
      throw e;
    }
    pending.remove(userId);
    writePending(pending);
    return result;
  }

  private Set<String> pending() throws IOException {
    Set<String> users = new LinkedHashSet<>();
    if (Files.exists(inProgress)) {
      try {
        for (JsonElement user : JsonParser.parseString(Files.readString(inProgress, StandardCharsets.UTF_8)).getAsJsonArray()) {
          users.add(user.getAsString());
        }
      } catch (RuntimeException e) { // only a hand edit makes it so: the server writes it whole
        log.error("{} is not a JSON array of user ids ({}); the erasures it named must be repeated with ForgetUser", inProgress, e.toString());
      }
    }
    return users;
  }

  private void writePending(Set<String> users) throws IOException {
    if (users.isEmpty()) {
      if (Files.deleteIfExists(inProgress)) {
        AtomicFiles.syncDirectory(inProgress.toAbsolutePath().getParent());
      }
      return;
    }
    JsonArray names = new JsonArray();
    users.forEach(names::add);
    AtomicFiles.writeString(inProgress, names.toString()); // JSON: any id, newlines included
  }

  private Result forgetNamed(String userId, boolean resumed, long start) throws Exception {
    FeedbackProcessor.Forgotten forgotten;
    try {
      forgotten = checkpointer.replaceSnapshotsAfter(
          () -> processor.forget(userId).get(TIMEOUT_SECONDS, TimeUnit.SECONDS), f -> resumed || f.found());
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    Instant at = clock.instant();
    if (!forgotten.found() && !resumed) {
      return new Result(forgotten, false, at, "");
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
    record.addProperty("resumed", resumed);
    audit.append(record);
    usersForgotten.incrementAndGet();
    recordsErased.addAndGet(forgotten.logRecords());
    lastSeconds = (System.nanoTime() - start) / 1e9;
    log.info(
        "Forgot a user (audit id {}): {} log records erased, {} open lists and {} transitions dropped, state {}",
        auditId, forgotten.logRecords(), forgotten.openLists(), forgotten.transitions(), forgotten.state() ? "removed" : "none");
    return new Result(forgotten, resumed, at, auditId);
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
