package io.recsys.server.feedback;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.ItemIdList;
import io.recsys.server.feedback.log.QuantizedVector;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * A served list while its join window is open: what was shown, to whom, in which state, and what
 * came back so far. Mutable state is guarded by the instance's monitor.
 */
final class Impression {
  final String eventId;
  final String userId;
  final List<String> items;
  /**
   * The retrieval candidates the list was drawn from: the actions a policy could have taken. An
   * {@link ItemIdList} (catalog rows) when it comes that way: what an open list holds longest.
   */
  final List<String> candidates;
  final float[] propensities;
  final String modelVersion;
  final long timeMicros;
  final QuantizedVector state;
  /** Whether the item at each position got a reaction inside the window. */
  final boolean[] reacted;
  /** Accepted (position, type) pairs and when each became durable: the idempotency record. */
  final Map<Integer, CompletableFuture<Void>> accepted = new HashMap<>();
  boolean closed;
  /**
   * The (position, type) pairs whose reaction was applied, in log order; effects thread only. With
   * a log several replicas append to, one reaction can be in it twice (sent to two replicas, or
   * resent after an ambiguous timeout): the first copy in log order applies, on every replica alike.
   */
  private java.util.Set<Integer> applied; // made at the first reaction: most lists get none
  /**
   * Set once the list's record is durable and applied, with its log sequence number; effects
   * thread only (a snapshot, taken there, holds only such lists). -1 before.
   */
  long sequence = -1;
  /** The lineage of the user state the list was ranked for ({@code UserState.lineage()}); -1 when read back from the log. */
  long lineage = -1;

  Impression(
      String eventId,
      String userId,
      List<String> items,
      List<String> candidates,
      float[] propensities,
      String modelVersion,
      long timeMicros,
      QuantizedVector state) {
    this.eventId = eventId;
    this.userId = userId;
    this.items = List.copyOf(items);
    this.candidates = candidates.isEmpty() ? this.items : candidates instanceof ItemIdList rows ? rows : List.copyOf(candidates);
    this.propensities = propensities;
    this.modelVersion = modelVersion;
    this.timeMicros = timeMicros;
    this.state = state;
    this.reacted = new boolean[items.size()];
  }

  /**
   * The list just served, as an open impression; its candidates as rows of {@code catalog}, read
   * back through {@code idOfRow} (the live catalog).
   */
  static Impression served(
      Recommendation recommendation, QuantizedVector state, long timeMicros, CatalogSnapshot catalog, IntFunction<String> idOfRow) {
    String[] items = new String[recommendation.items().size()];
    float[] propensities = new float[items.length];
    for (int position = 0; position < items.length; position++) {
      ScoredItem item = recommendation.items().get(position);
      propensities[position] = item.propensity();
      items[position] = item.itemId();
    }
    // Immutable lists pass List.copyOf below uncopied: an open list holds one array of each.
    return new Impression(
        recommendation.eventId(), recommendation.userId(), List.of(items), ItemIdList.of(recommendation.candidates(), catalog, idOfRow), propensities,
        recommendation.modelVersion(), timeMicros, state);
  }

  /** Closes the impression with nothing to settle: its user is being forgotten. */
  synchronized void closeForgotten() {
    closed = true;
  }

  /** Closes the impression (once) and lists the positions no reaction came for; empty if it was closed. */
  synchronized List<Integer> closeAndListSilent() {
    if (closed) {
      return List.of();
    }
    closed = true;
    List<Integer> silent = new ArrayList<>();
    for (int position = 0; position < reacted.length; position++) {
      if (!reacted[position]) {
        silent.add(position);
      }
    }
    return silent;
  }

  int positionOf(String itemId) {
    return items.indexOf(itemId);
  }

  /** The learning example of the item at {@code position}: the one place transitions are built. */
  Transition transition(int position, float reward, QuantizedVector nextState, long atMicros) {
    return new Transition(
        eventId, state, items.get(position), position, reward, nextState, candidates, propensities[position], modelVersion, atMicros, userId);
  }

  /** Marks the reaction applied; false if a copy of it already was (effects thread only). */
  boolean markApplied(int position, int type) {
    if (applied == null) {
      applied = new java.util.HashSet<>(4);
    }
    return applied.add(reactionKey(position, type));
  }

  static int reactionKey(int position, int type) {
    return position * 16 + type;
  }
}
