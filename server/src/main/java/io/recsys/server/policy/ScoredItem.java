package io.recsys.server.policy;

/** One entry of a served list; {@code propensity} is the probability of showing it here. */
public record ScoredItem(String itemId, float score, float propensity, int position) {}
