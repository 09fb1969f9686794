package io.recsys.server.policy;

/**
 * One entry of a served list; {@code propensity} is the probability of showing it here, and
 * {@code explored} says that exploration placed it above a candidate with a higher score.
 */
public record ScoredItem(String itemId, float score, float propensity, int position, boolean explored) {}
