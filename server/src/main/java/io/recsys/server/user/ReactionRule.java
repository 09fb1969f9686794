package io.recsys.server.user;

/**
 * How each kind of reaction moves a user's state: click, like and purchase pull it toward the
 * item's content vector at full strength, a dwell by its share of a full one, a skip pushes it
 * away a little, a dislike pushes it away and keeps the item out of the user's lists. With
 * learning off only the dislike's exclusion applies: the server is a static scorer. Either way the
 * reaction is remembered as the user's latest to the item (what explanations and the consumed-item
 * exclusion read).
 */
public final class ReactionRule {
  /** A skip is a mild negative: 0.3 of a dislike's push. */
  private static final float SKIP_STRENGTH = 0.3f;

  private final UserStateUpdater updater;
  private final boolean learning;

  public ReactionRule(UserStateUpdater updater, boolean learning) {
    this.updater = updater;
    this.learning = learning;
  }

  /**
   * @param item the item's content vector
   * @param dwellShare for a dwell, the share of a full reaction it counts as, in [0, 1]
   */
  public UserState apply(UserState state, ReactionType type, String itemId, float[] item, float dwellShare) {
    UserState remembered = state.withReaction(itemId, type, updater.maxRemembered());
    return learn(remembered, type, itemId, item, dwellShare);
  }

  private UserState learn(UserState state, ReactionType type, String itemId, float[] item, float dwellShare) {
    if (!learning) {
      return type == ReactionType.DISLIKE ? updater.remember(state, itemId) : state;
    }
    return switch (type) {
      case CLICK, LIKE, PURCHASE -> updater.attract(state, item, 1f);
      case DWELL -> updater.attract(state, item, dwellShare);
      case SKIP -> updater.repel(state, item, SKIP_STRENGTH);
      case DISLIKE -> updater.block(state, itemId, item);
    };
  }
}
