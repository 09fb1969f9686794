package io.recsys.server.feedback;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join of reactions to the lists they react to. Every served list stays open for the join
 * window (bounded in number: past the bound the oldest close early); a reaction joins an open
 * list it belongs to, once per (position, type); when a list closes, its silent positions are
 * handed to the {@link Closer}, exactly once. Clock-free: callers pass the time, so replaying
 * the log at its records' own times joins as the live server did.
 */
final class ImpressionJoin {
  private static final Logger log = LoggerFactory.getLogger(ImpressionJoin.class);

  /** Told about each list that closes: give its silent positions their no-feedback reward. */
  @FunctionalInterface
  interface Closer {
    void closed(Impression impression, List<Integer> silentPositions, long timeMicros);
  }

  /** Where a reaction lands in an open list, or why it lands nowhere ({@code problem} non-null). */
  record Match(Impression impression, int position, String problem) {
    static Match none(String problem) {
      return new Match(null, -1, problem);
    }
  }

  /** The outcome of claiming a (position, type): new (logging started), a repeat, or too late. */
  sealed interface Claim {
    record Logged(CompletableFuture<Void> durable) implements Claim {}

    record Repeat(CompletableFuture<Void> original) implements Claim {}

    record WindowClosed() implements Claim {}
  }

  private final Duration window;
  private final long windowMicros;
  private final ImpressionIndex open;
  private final Closer closer;
  private final AtomicLong closedEarly = new AtomicLong();

  ImpressionJoin(Duration window, int maxOpen, Closer closer) {
    this.window = window;
    this.windowMicros = window.toNanos() / 1_000;
    this.open = new ImpressionIndex(maxOpen);
    this.closer = closer;
  }

  /** Opens a list's window; lists pushed out by the bound close now. */
  void open(Impression impression, long nowMicros) {
    open.add(impression).forEach(evicted -> closeEarly(evicted, nowMicros));
  }

  /**
   * Drops the user's open lists as if never served: no silent reward is settled, and reactions to
   * them are refused from now on. Returns how many there were.
   */
  int forget(String userId) {
    return open.removeUser(userId).size();
  }

  /** The open list served under {@code eventId}, or null. */
  Impression openList(String eventId) {
    return open.get(eventId);
  }

  /** Finds the open list and position {@code reaction} refers to. */
  Match match(Reaction reaction) {
    Impression impression = open.get(reaction.eventId());
    if (impression == null) {
      return Match.none(
          "unknown event_id '" + reaction.eventId() + "': never served, or its join window ("
              + window.toSeconds() + " s) has closed");
    }
    if (!impression.userId.equals(reaction.userId())) {
      return Match.none(
          "user_id '" + reaction.userId() + "' is not the user event '" + reaction.eventId() + "' was served to");
    }
    int position = impression.positionOf(reaction.itemId());
    if (position < 0) {
      return Match.none("item_id '" + reaction.itemId() + "' was not in impression '" + reaction.eventId() + "'");
    }
    return new Match(impression, position, null);
  }

  /**
   * Claims {@code type} at {@code position} of an open list: the first claim starts {@code log}
   * and is remembered by its future (so a repeat waits for the original to be durable); the
   * position then counts as reacted to. Atomic per list.
   */
  Claim claim(Impression impression, int position, int type, long nowMicros, Supplier<CompletableFuture<Void>> log) {
    int key = Impression.reactionKey(position, type);
    synchronized (impression) {
      if (impression.closed || nowMicros > impression.timeMicros + windowMicros) {
        return new Claim.WindowClosed();
      }
      CompletableFuture<Void> earlier = impression.accepted.get(key);
      if (earlier != null) {
        return new Claim.Repeat(earlier);
      }
      CompletableFuture<Void> durable = log.get();
      impression.accepted.put(key, durable);
      impression.reacted[position] = true;
      return new Claim.Logged(durable);
    }
  }

  /** Forgets a claim whose logging failed, so a retry may log it again. */
  void release(Impression impression, int position, int type, CompletableFuture<Void> durable) {
    synchronized (impression) {
      impression.accepted.remove(Impression.reactionKey(position, type), durable);
    }
  }

  /** Records a reaction read back from the log: claimed and already durable. */
  void claimReplayed(Impression impression, int position, int type) {
    synchronized (impression) {
      impression.accepted.put(Impression.reactionKey(position, type), CompletableFuture.completedFuture(null));
      impression.reacted[position] = true;
    }
  }

  /** The open lists whose record is applied, oldest first. Effects thread only. */
  List<Impression> openApplied() {
    List<Impression> applied = new java.util.ArrayList<>();
    for (Impression impression : open.inServingOrder()) {
      if (impression.sequence >= 0 && !impression.closed) {
        applied.add(impression);
      }
    }
    return applied;
  }

  /** Closes every list whose window ended before {@code nowMicros}. */
  void expire(long nowMicros) {
    open.removeServedBefore(nowMicros - windowMicros).forEach(impression -> close(impression, nowMicros));
  }

  /**
   * Closes a list pushed out by the bound before its window ended: its silent items are settled
   * now, and a later reaction to it is rejected. Said in the log, since it means the bound is too
   * small for this traffic.
   */
  private void closeEarly(Impression impression, long nowMicros) {
    if (closedEarly.getAndIncrement() % 100_000 == 0) {
      log.warn(
          "Served lists closed before their join window ended ({} so far): more than the max-open-impressions"
              + " bound ({}) were open; raise it or shorten the join window", closedEarly.get(), open.capacity());
    }
    close(impression, nowMicros);
  }

  private void close(Impression impression, long nowMicros) {
    List<Integer> silent = impression.closeAndListSilent();
    if (!silent.isEmpty()) {
      closer.closed(impression, silent, nowMicros);
    }
  }

  /** Lists closed before their window ended, pushed out by the bound. */
  long closedEarly() {
    return closedEarly.get();
  }

  int openImpressions() {
    return open.size();
  }
}
