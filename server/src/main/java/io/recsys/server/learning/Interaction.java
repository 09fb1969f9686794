package io.recsys.server.learning;

/** A user's recorded reaction to an item: label 1 positive, 0 negative; time orders a user's history. */
public record Interaction(String userId, String itemId, int label, long time) {}
