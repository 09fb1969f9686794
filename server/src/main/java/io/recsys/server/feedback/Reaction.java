package io.recsys.server.feedback;

import io.recsys.server.user.ReactionType;

/**
 * One feedback event as the client sent it, not yet validated.
 *
 * @param type null when the client sent none, or a type this server does not know (rejected)
 */
public record Reaction(
    String eventId, String userId, String itemId, ReactionType type, double dwellSeconds, long clientTimeMicros) {}
