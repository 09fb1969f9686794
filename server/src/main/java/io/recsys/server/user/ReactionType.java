package io.recsys.server.user;

import java.util.Locale;

/**
 * What a user did with a shown item, in the server's own terms: the API's {@code FeedbackType} is
 * translated at the edge ({@code api/}), so the public contract can change without touching the
 * durable log or the learning code.
 */
public enum ReactionType {
  CLICK(1),
  LIKE(2),
  PURCHASE(3),
  DISLIKE(4),
  SKIP(5),
  DWELL(6);

  private final int number;

  ReactionType(int number) {
    this.number = number;
  }

  /** The number stored in the feedback log (fixed: logs written by every earlier version use it). */
  public int number() {
    return number;
  }

  /** The type stored as {@code number}, or null for a number no version ever wrote. */
  public static ReactionType fromNumber(int number) {
    for (ReactionType type : values()) {
      if (type.number == number) {
        return type;
      }
    }
    return null;
  }

  /** Whether the reaction says the user wanted the item: click, like, purchase, dwell. */
  public boolean positive() {
    return this == CLICK || this == LIKE || this == PURCHASE || this == DWELL;
  }

  /** The lower-case name used in settings such as the rewards setting {@code click=1}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
