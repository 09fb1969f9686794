package io.recsys.server.feedback;

/**
 * What makes a reaction well-formed, whoever sends it: ids present and bounded, a known type, a
 * finite non-negative dwell. Whether it joins a served list is the join's question.
 */
final class ReactionChecks {
  static final int MAX_ID_LENGTH = 256;

  private ReactionChecks() {}

  /** The problem with the reaction, or null if it is well-formed. */
  static String problemWith(Reaction reaction) {
    if (reaction.eventId().isEmpty()) {
      return "event_id is empty";
    }
    if (reaction.userId().isEmpty()) {
      return "user_id is empty";
    }
    if (reaction.itemId().isEmpty()) {
      return "item_id is empty";
    }
    if (reaction.eventId().length() > MAX_ID_LENGTH
        || reaction.userId().length() > MAX_ID_LENGTH
        || reaction.itemId().length() > MAX_ID_LENGTH) {
      return "ids are at most " + MAX_ID_LENGTH + " characters";
    }
    if (reaction.type() == null) {
      return "type is missing or unknown";
    }
    if (!(reaction.dwellSeconds() >= 0) || Double.isInfinite(reaction.dwellSeconds())) {
      return "dwell_seconds must be a finite number >= 0";
    }
    return null;
  }
}
