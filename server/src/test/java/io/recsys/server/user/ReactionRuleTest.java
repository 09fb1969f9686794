package io.recsys.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** How each reaction moves a user, with the default rates (attract 0.3, repel 0.5). */
class ReactionRuleTest {
  private static final float[] ITEM = {1, 0};
  private final ReactionRule learning = new ReactionRule(UserStateUpdater.defaults(), true);
  private final ReactionRule staticScorer = new ReactionRule(UserStateUpdater.defaults(), false);
  private final UserState user = UserState.of(new float[] {0.5f, 0.5f});

  @Test
  void positiveReactionsPullTheStateTowardTheItem() {
    for (ReactionType type : new ReactionType[] {ReactionType.CLICK, ReactionType.LIKE, ReactionType.PURCHASE}) {
      float[] next = learning.apply(user, type, "i", ITEM, 0).vectorView();
      assertThat(next[0]).isCloseTo(0.7f * 0.5f + 0.3f, within(1e-6f));
      assertThat(next[1]).isCloseTo(0.7f * 0.5f, within(1e-6f));
    }
  }

  @Test
  void aDwellPullsByItsShareOfAFullReaction() {
    float[] half = learning.apply(user, ReactionType.DWELL, "i", ITEM, 0.5f).vectorView();

    assertThat(half[0]).isCloseTo(0.85f * 0.5f + 0.15f, within(1e-6f));
  }

  @Test
  void aSkipPushesAwayALittleADislikePushesAwayAndExcludes() {
    UserState skipped = learning.apply(user, ReactionType.SKIP, "i", ITEM, 0);
    UserState disliked = learning.apply(user, ReactionType.DISLIKE, "i", ITEM, 0);

    // The component along the item (0.5) loses 0.5 x 0.3 for a skip, 0.5 x 1 for a dislike.
    assertThat(skipped.vectorView()[0]).isCloseTo(0.5f - 0.5f * 0.5f * 0.3f, within(1e-6f));
    assertThat(skipped.disliked()).isEmpty();
    assertThat(disliked.vectorView()[0]).isCloseTo(0.25f, within(1e-6f));
    assertThat(disliked.disliked()).containsExactly("i");
  }

  @Test
  void withLearningOffOnlyADislikesExclusionApplies() {
    assertThat(staticScorer.apply(user, ReactionType.CLICK, "i", ITEM, 0).vectorView()).containsExactly(0.5f, 0.5f);
    UserState disliked = staticScorer.apply(user, ReactionType.DISLIKE, "i", ITEM, 0);
    assertThat(disliked.vectorView()).containsExactly(0.5f, 0.5f);
    assertThat(disliked.disliked()).containsExactly("i");
  }
}
