package io.recsys.server.feedback;

import io.recsys.server.user.ReactionType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Rewards per reaction: the design's defaults, overrides, dwell in proportion, and their range. */
class RewardFunctionTest {
  private final RewardFunction defaults = RewardFunction.defaults();

  @Test
  void positiveReactionsEarnOneNegativeOnesZeroSilenceHalf() {
    assertThat(defaults.rewardOf(ReactionType.CLICK, 0)).isEqualTo(1f);
    assertThat(defaults.rewardOf(ReactionType.LIKE, 0)).isEqualTo(1f);
    assertThat(defaults.rewardOf(ReactionType.PURCHASE, 0)).isEqualTo(1f);
    assertThat(defaults.rewardOf(ReactionType.DISLIKE, 0)).isZero();
    assertThat(defaults.rewardOf(ReactionType.SKIP, 0)).isZero();
    assertThat(defaults.noFeedbackReward()).isEqualTo(0.5f);
  }

  @Test
  void aDwellEarnsInProportionToItsLengthUpToThirtySeconds() {
    assertThat(defaults.rewardOf(ReactionType.DWELL, 15)).isEqualTo(0.5f);
    assertThat(defaults.rewardOf(ReactionType.DWELL, 300)).isEqualTo(1f);
    assertThat(defaults.rewardOf(ReactionType.DWELL, -3)).isZero();
  }

  @Test
  void overridesChangeOnlyTheTypesTheyName() {
    RewardFunction custom = defaults.withOverrides("skip=0.2, purchase=3");

    assertThat(custom.rewardOf(ReactionType.SKIP, 0)).isEqualTo(0.2f);
    assertThat(custom.rewardOf(ReactionType.PURCHASE, 0)).isEqualTo(3f);
    assertThat(custom.rewardOf(ReactionType.CLICK, 0)).isEqualTo(1f);
    assertThat(custom.highest()).isEqualTo(3f);
    assertThat(custom.lowest()).isZero();
  }

  @Test
  void badOverridesAreRefusedWithTheEntry() {
    assertThatThrownBy(() -> defaults.withOverrides("wave=1")).hasMessageContaining("unknown feedback type 'wave'");
    assertThatThrownBy(() -> defaults.withOverrides("click=lots")).hasMessageContaining("'lots' is not a number");
    assertThatThrownBy(() -> defaults.withOverrides("click")).hasMessageContaining("look like click=1");
    assertThatThrownBy(() -> defaults.withOverrides("click=NaN")).hasMessageContaining("finite");
  }

  @Test
  void theRangeCoversEveryRewardAndZero() {
    RewardFunction negative = defaults.withOverrides("dislike=-1").withNoFeedbackReward(2);

    assertThat(negative.lowest()).isEqualTo(-1f);
    assertThat(negative.highest()).isEqualTo(2f);
  }
}
