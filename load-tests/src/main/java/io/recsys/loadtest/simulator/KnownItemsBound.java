package io.recsys.loadtest.simulator;

import java.util.List;

/**
 * A reference, not a baseline: discounted LinUCB given each item's <em>true</em> vector and
 * quality from the {@link World} ({@link World#trueFeatures}, in which a user's affinity is exactly
 * linear), so only the users are learned, from their own clicks, shrunk toward a population fit.
 * No learner without the truth knows the items better; what this one reaches bounds what learning
 * users from this much feedback can give, and so shows how much of the gap to the oracle is the
 * items' part (learnable from co-engagement) and how much the users' (a few lists of clicks
 * each). With the abrupt drifts given, it also forgets every user at each, the moment it happens:
 * no detector can react sooner, so its recovery is the fastest that re-learning a user from their
 * clicks allows. It reads the hidden truth, so it is never a candidate.
 */
final class KnownItemsBound {
  private KnownItemsBound() {}

  /** @param resets the abrupt drifts, at which every user is forgotten (empty: never) */
  static LinUcb of(World world, double alpha, double discount, List<Long> resets) {
    double[][] features = new double[world.itemIds().size()][];
    for (int i = 0; i < features.length; i++) {
      features[i] = world.trueFeatures(i);
    }
    return new LinUcb(world, nameFor(discount, !resets.isEmpty()), features, alpha, discount, resets);
  }

  static String nameFor(double discount, boolean resets) {
    return "known-items-" + discount + (resets ? "-reset" : "");
  }
}
