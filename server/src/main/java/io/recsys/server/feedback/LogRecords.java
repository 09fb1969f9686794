package io.recsys.server.feedback;

import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.ReactionType;

/**
 * The feedback log's two kinds of record and the domain values they stand for: written by the
 * feedback processor, read back by its replay and by off-policy evaluation
 * ({@code evaluation.LoggedImpressions}).
 */
public final class LogRecords {
  private LogRecords() {}

  static LogRecord of(Impression impression) {
    ImpressionRecord.Builder record =
        ImpressionRecord.newBuilder()
            .setEventId(impression.eventId)
            .setUserId(impression.userId)
            .addAllItemIds(impression.items)
            .addAllCandidateIds(impression.candidates)
            .setModelVersion(impression.modelVersion)
            .setUserState(impression.state);
    for (float propensity : impression.propensities) {
      record.addPropensities(propensity);
    }
    return LogRecord.newBuilder().setServerTimeMicros(impression.timeMicros).setImpression(record).build();
  }

  /** @param reaction a valid reaction (its type is known) */
  static LogRecord of(Reaction reaction, long serverTimeMicros) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(serverTimeMicros)
        .setFeedback(
            FeedbackRecord.newBuilder()
                .setEventId(reaction.eventId())
                .setUserId(reaction.userId())
                .setItemId(reaction.itemId())
                .setType(reaction.type().number())
                .setDwellSeconds(reaction.dwellSeconds())
                .setClientTimeMicros(reaction.clientTimeMicros()))
        .build();
  }

  /** The impression a record logged, as an open one served at {@code timeMicros}. */
  static Impression impressionOf(ImpressionRecord record, long timeMicros) {
    float[] propensities = new float[record.getPropensitiesCount()];
    for (int i = 0; i < propensities.length; i++) {
      propensities[i] = record.getPropensities(i);
    }
    return new Impression(
        record.getEventId(), record.getUserId(), record.getItemIdsList(), record.getCandidateIdsList(), propensities,
        record.getModelVersion(), timeMicros, record.getUserState());
  }

  /** The reaction a record logged; its type is null if the number is none this server knows. */
  public static Reaction reactionOf(FeedbackRecord record) {
    return new Reaction(
        record.getEventId(), record.getUserId(), record.getItemId(),
        ReactionType.fromNumber(record.getType()), record.getDwellSeconds(), record.getClientTimeMicros());
  }
}
