package io.recsys.server.api;

import com.google.protobuf.Timestamp;
import io.recsys.server.feedback.FeedbackResult;
import io.recsys.server.feedback.Reaction;
import io.recsys.server.user.ReactionType;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;

/** Translation between the API's feedback messages and the domain. */
final class FeedbackAcks {
  private FeedbackAcks() {}

  static Reaction toReaction(FeedbackEvent event) {
    Timestamp at = event.getOccurredAt();
    return new Reaction(
        event.getEventId(),
        event.getUserId(),
        event.getItemId(),
        reactionType(event.getType()),
        event.getDwellSeconds(),
        at.getSeconds() * 1_000_000 + at.getNanos() / 1_000);
  }

  /** The domain's type, or null for none or a number this server does not know. */
  private static ReactionType reactionType(FeedbackType type) {
    return switch (type) {
      case FEEDBACK_TYPE_CLICK -> ReactionType.CLICK;
      case FEEDBACK_TYPE_LIKE -> ReactionType.LIKE;
      case FEEDBACK_TYPE_PURCHASE -> ReactionType.PURCHASE;
      case FEEDBACK_TYPE_DISLIKE -> ReactionType.DISLIKE;
      case FEEDBACK_TYPE_SKIP -> ReactionType.SKIP;
      case FEEDBACK_TYPE_DWELL -> ReactionType.DWELL;
      case FEEDBACK_TYPE_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  static FeedbackAck toAck(FeedbackEvent event, FeedbackResult result) {
    return FeedbackAck.newBuilder()
        .setEventId(event.getEventId())
        .setItemId(event.getItemId())
        // The number as sent: an unknown one (a newer client's type) is echoed, not thrown on.
        .setTypeValue(event.getTypeValue())
        .setStatus(
            switch (result.status()) {
              case ACCEPTED -> FeedbackStatus.FEEDBACK_STATUS_ACCEPTED;
              case DUPLICATE -> FeedbackStatus.FEEDBACK_STATUS_DUPLICATE;
              case REJECTED -> FeedbackStatus.FEEDBACK_STATUS_REJECTED;
            })
        .setReason(result.reason())
        .build();
  }
}
