package io.recsys.server.policy;

import java.util.List;

/** One served list (an impression), best item first. */
public record Recommendation(
    String eventId, String userId, List<ScoredItem> items, String modelVersion, long catalogVersion) {}
