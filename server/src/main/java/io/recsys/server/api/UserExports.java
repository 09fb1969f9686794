package io.recsys.server.api;

import com.google.protobuf.Timestamp;
import io.recsys.server.feedback.UserExport;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.UserState;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.ExportedImpression;
import io.recsys.v1.ExportedReaction;
import java.util.Map;

/** An export of what the server stores about a user, as {@code recsys.v1.ExportUserResponse}. */
final class UserExports {
  private UserExports() {}

  static ExportUserResponse toProto(UserExport.Exported exported) {
    ExportUserResponse.Builder response = ExportUserResponse.newBuilder()
        .setFound(exported.found())
        .setReplayTransitions(exported.transitions())
        .setTruncated(exported.truncated());
    exported.state().ifPresent(state -> addState(state, response));
    for (double value : exported.learned()) {
      response.addPosteriorMean(value);
    }
    for (LogRecord record : exported.impressions()) {
      ImpressionRecord impression = record.getImpression();
      response.addImpressions(ExportedImpression.newBuilder()
          .setEventId(impression.getEventId())
          .addAllItemIds(impression.getItemIdsList())
          .setModelVersion(impression.getModelVersion())
          .setServedAt(timestampOfMicros(record.getServerTimeMicros())));
    }
    for (LogRecord record : exported.reactions()) {
      FeedbackRecord reaction = record.getFeedback();
      response.addLoggedReactions(ExportedReaction.newBuilder()
          .setEventId(reaction.getEventId())
          .setItemId(reaction.getItemId())
          .setType(labelOf(reaction.getType()))
          .setReceivedAt(timestampOfMicros(record.getServerTimeMicros())));
    }
    return response.build();
  }

  private static void addState(UserState state, ExportUserResponse.Builder response) {
    for (float value : state.vectorView()) {
      response.addStateVector(value);
    }
    response.addAllDislikedItemIds(state.disliked());
    for (Map.Entry<String, ReactionType> reaction : state.reactions().entrySet()) {
      response.addRecentReactions(ExportedReaction.newBuilder().setItemId(reaction.getKey()).setType(reaction.getValue().label()));
    }
  }

  private static String labelOf(int type) {
    ReactionType known = ReactionType.fromNumber(type);
    return known == null ? "type-" + type : known.label();
  }

  private static Timestamp timestampOfMicros(long micros) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(micros, 1_000_000))
        .setNanos((int) Math.floorMod(micros, 1_000_000) * 1_000)
        .build();
  }
}
