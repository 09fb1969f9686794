package io.recsys.server.feedback;

import io.recsys.server.user.ReactionType;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reward per reaction. Defaults from the design: positive reactions (click, like, purchase) 1,
 * negative ones (dislike, skip) 0, an item shown with no reaction by the end of the join window
 * 0.5. Dwell earns its reward in proportion to the time spent, full at {@code dwellFullSeconds}.
 */
public final class RewardFunction {
  private final Map<ReactionType, Float> rewards;
  private final float noFeedbackReward;
  private final double dwellFullSeconds;

  public RewardFunction(Map<ReactionType, Float> rewards, float noFeedbackReward, double dwellFullSeconds) {
    this.rewards = new EnumMap<>(ReactionType.class);
    this.rewards.putAll(rewards);
    for (ReactionType type : ReactionType.values()) {
      if (!this.rewards.containsKey(type)) {
        throw new IllegalArgumentException("no reward for " + type.label());
      }
    }
    this.rewards.values().forEach(RewardFunction::checkFinite);
    checkFinite(noFeedbackReward);
    if (!(dwellFullSeconds > 0)) {
      throw new IllegalArgumentException("dwell-full-seconds must be > 0, got " + dwellFullSeconds);
    }
    this.noFeedbackReward = noFeedbackReward;
    this.dwellFullSeconds = dwellFullSeconds;
  }

  public static RewardFunction defaults() {
    Map<ReactionType, Float> rewards = new EnumMap<>(ReactionType.class);
    rewards.put(ReactionType.CLICK, 1f);
    rewards.put(ReactionType.LIKE, 1f);
    rewards.put(ReactionType.PURCHASE, 1f);
    rewards.put(ReactionType.DISLIKE, 0f);
    rewards.put(ReactionType.SKIP, 0f);
    rewards.put(ReactionType.DWELL, 1f);
    return new RewardFunction(rewards, 0.5f, 30);
  }

  /** The defaults with overrides such as {@code "click=1,skip=0.2"} (type names without prefix). */
  public RewardFunction withOverrides(String spec) {
    Map<ReactionType, Float> next = new EnumMap<>(rewards);
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.split("=", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException("reward entries look like click=1, got '" + entry + "'");
      }
      ReactionType type;
      try {
        type = ReactionType.valueOf(parts[0].strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("rewards: unknown feedback type '" + parts[0].strip() + "'");
      }
      try {
        next.put(type, Float.parseFloat(parts[1].strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("rewards: '" + parts[1].strip() + "' is not a number");
      }
    }
    return new RewardFunction(next, noFeedbackReward, dwellFullSeconds);
  }

  /** Every reaction's reward as {@link #withOverrides} reads it, e.g. {@code click=1.0,...,dwell=1.0}. */
  public String spec() {
    StringBuilder spec = new StringBuilder();
    rewards.forEach((type, reward) -> spec.append(spec.length() == 0 ? "" : ",").append(type.label()).append('=').append(reward));
    return spec.toString();
  }

  public RewardFunction withNoFeedbackReward(float reward) {
    return new RewardFunction(rewards, reward, dwellFullSeconds);
  }

  public float rewardOf(ReactionType type, double dwellSeconds) {
    Float reward = rewards.get(type);
    if (reward == null) {
      throw new IllegalArgumentException("no reward for " + type);
    }
    if (type == ReactionType.DWELL) {
      return reward * dwellFraction(dwellSeconds);
    }
    return reward;
  }

  /** Share of a full reaction that a dwell of this length counts as, in [0, 1]. */
  public float dwellFraction(double dwellSeconds) {
    return (float) Math.min(1, Math.max(0, dwellSeconds) / dwellFullSeconds);
  }

  public float noFeedbackReward() {
    return noFeedbackReward;
  }

  /** The smallest reward an event can earn (a dwell earns from 0 to its full reward). */
  public float lowest() {
    float lowest = Math.min(0, noFeedbackReward);
    for (float reward : rewards.values()) {
      lowest = Math.min(lowest, reward);
    }
    return lowest;
  }

  /** The largest reward an event can earn. */
  public float highest() {
    float highest = Math.max(0, noFeedbackReward);
    for (float reward : rewards.values()) {
      highest = Math.max(highest, reward);
    }
    return highest;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RewardFunction that
        && rewards.equals(that.rewards)
        && Float.compare(noFeedbackReward, that.noFeedbackReward) == 0
        && Double.compare(dwellFullSeconds, that.dwellFullSeconds) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(rewards, noFeedbackReward, dwellFullSeconds);
  }

  @Override
  public String toString() {
    return spec() + ", no reaction " + noFeedbackReward;
  }

  private static void checkFinite(float reward) {
    if (!Float.isFinite(reward)) {
      throw new IllegalArgumentException("rewards must be finite numbers, got " + reward);
    }
  }
}
