package io.recsys.server.feedback;

import io.recsys.v1.FeedbackType;

/** One feedback event as the client sent it, not yet validated. */
public record Reaction(
    String eventId, String userId, String itemId, FeedbackType type, double dwellSeconds, long clientTimeMicros) {}
