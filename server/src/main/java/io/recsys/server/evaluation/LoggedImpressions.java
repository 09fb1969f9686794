package io.recsys.server.evaluation;

import io.recsys.server.feedback.LogRecords;
import io.recsys.server.feedback.Reaction;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's own log seen as logged decisions: every shown (impression, position) with its
 * propensity and the reward its reactions earned (the no-feedback reward if none came). Feed it
 * the log's records in order, then read {@link #decisions()}.
 */
public final class LoggedImpressions {
  /** One shown item: what was shown where, with which probability, and what it earned. */
  public record Decision(String eventId, String itemId, int position, int listSize, double propensity, double reward) {}

  private final RewardFunction rewards;
  private final Map<String, ImpressionRecord> impressions = new LinkedHashMap<>();
  /** Best reward seen per (event, item): a purchase after a click still counts as one positive. */
  private final Map<String, Double> earned = new HashMap<>();

  public LoggedImpressions(RewardFunction rewards) {
    this.rewards = rewards;
  }

  public void accept(LogRecord record) {
    switch (record.getKindCase()) {
      case IMPRESSION -> impressions.put(record.getImpression().getEventId(), record.getImpression());
      case FEEDBACK -> {
        Reaction reaction = LogRecords.reactionOf(record.getFeedback());
        if (reaction.type() != null) {
          double reward = rewards.rewardOf(reaction.type(), reaction.dwellSeconds());
          earned.merge(reaction.eventId() + '\u0000' + reaction.itemId(), reward, Math::max);
        }
      }
      default -> {}
    }
  }

  public List<Decision> decisions() {
    List<Decision> decisions = new ArrayList<>();
    for (ImpressionRecord impression : impressions.values()) {
      int size = impression.getItemIdsCount();
      for (int position = 0; position < size; position++) {
        String item = impression.getItemIds(position);
        Double reward = earned.get(impression.getEventId() + '\u0000' + item);
        decisions.add(
            new Decision(
                impression.getEventId(), item, position, size,
                position < impression.getPropensitiesCount() ? impression.getPropensities(position) : 1.0,
                reward != null ? reward : rewards.noFeedbackReward()));
      }
    }
    return decisions;
  }
}
