package io.recsys.server.policy;

import java.util.List;

/**
 * One served list (an impression), best item first, with the retrieval candidates it was drawn
 * from (logged with the impression, so a policy can later be evaluated on the same choice).
 */
public record Recommendation(
    String eventId,
    String userId,
    List<ScoredItem> items,
    String modelVersion,
    long catalogVersion,
    List<String> candidates) {

  public Recommendation(String eventId, String userId, List<ScoredItem> items, String modelVersion, long catalogVersion) {
    this(eventId, userId, items, modelVersion, catalogVersion, items.stream().map(ScoredItem::itemId).toList());
  }
}
