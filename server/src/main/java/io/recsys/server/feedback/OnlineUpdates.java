package io.recsys.server.feedback;

import io.recsys.server.user.ReactionType;
import io.recsys.server.user.UserState;
import java.util.List;

/**
 * What the fast learner hears from the feedback loop, on the effects thread, in log order (a
 * replay of the log calls it in the same order, so it rebuilds the same parameters): every list
 * once it is durable, and every reaction once it is durable.
 */
public interface OnlineUpdates {
  /** No fast learner: nothing to tell. */
  OnlineUpdates NONE =
      new OnlineUpdates() {
        @Override
        public void shown(String userId, List<String> itemIds) {}

        @Override
        public UserState reacted(UserState state, String itemId, int position, ReactionType type, float strength) {
          return state;
        }
      };

  /** A list was served to {@code userId}: every shown item, best position first. */
  void shown(String userId, List<String> itemIds);

  /**
   * A durable reaction of the user whose state is {@code state}: returns their state with it
   * learned. Called inside the store's atomic update of that user.
   *
   * @param position where the item was shown in the list the reaction joined, or -1 when it joined
   *     none (its window had closed, or it came from before a restart without its list)
   * @param strength for a dwell, its share of a full reaction, in [0, 1]; 1 otherwise
   */
  UserState reacted(UserState state, String itemId, int position, ReactionType type, float strength);
}
