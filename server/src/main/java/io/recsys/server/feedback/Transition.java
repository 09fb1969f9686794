package io.recsys.server.feedback;

import io.recsys.server.feedback.log.QuantizedVector;
import java.util.List;

/**
 * One learning example: in list {@code eventId}, in {@code state}, the policy showed {@code itemId} (drawn from the
 * retrieval {@code candidates}, with probability {@code propensity} at its position, ranked by
 * {@code modelVersion}), the user's reaction earned {@code reward} and moved the state to {@code
 * nextState}. {@code userId} says whose it is, so that forgetting the user removes it; training
 * never reads it.
 */
public record Transition(
    String eventId,
    QuantizedVector state,
    String itemId,
    int position,
    float reward,
    QuantizedVector nextState,
    List<String> candidates,
    float propensity,
    String modelVersion,
    long timeMicros,
    String userId) {

  /** A transition of no known user (older snapshots, benchmarks). */
  public Transition(
      String eventId, QuantizedVector state, String itemId, int position, float reward, QuantizedVector nextState,
      List<String> candidates, float propensity, String modelVersion, long timeMicros) {
    this(eventId, state, itemId, position, reward, nextState, candidates, propensity, modelVersion, timeMicros, "");
  }
}
