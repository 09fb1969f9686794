package io.recsys.server.policy;

/**
 * One entry of a served list; {@code propensity} is the probability of showing it here, and
 * {@code explored} says that exploration placed it above a candidate with a higher score. {@code
 * explanation} says why it is there, when the request asked (else null).
 */
public record ScoredItem(String itemId, float score, float propensity, int position, boolean explored, Explanation explanation) {
  public ScoredItem(String itemId, float score, float propensity, int position, boolean explored) {
    this(itemId, score, propensity, position, explored, null);
  }
}
