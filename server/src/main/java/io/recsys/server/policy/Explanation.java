package io.recsys.server.policy;

import java.util.List;

/**
 * Why an item is in a list: what the policy did (explored, re-ranked for diversity) or else the
 * largest part of the item's retrieval score, with the user's own positive items behind it when
 * that part is their content taste.
 *
 * @param similarItems for {@link Reason#SIMILAR_TO_YOUR_ITEMS}: the user's positive items most
 *     like this one, most similar first; empty otherwise
 * @param propensity the item's propensity at its position
 */
public record Explanation(Reason reason, List<SimilarItem> similarItems, float propensity) {
  public Explanation {
    similarItems = List.copyOf(similarItems);
  }

  /** The kinds of reason, one per part of the score or act of the policy. */
  public enum Reason {
    SIMILAR_TO_YOUR_ITEMS,
    POPULAR,
    EXPLORING,
    NEW_ITEM,
    SIMILAR_USERS,
    DIVERSITY
  }

  /** One of the user's positive items and its cosine similarity to the explained item. */
  public record SimilarItem(String itemId, float similarity) {}
}
