package io.recsys.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The truth-reading reference: its features make every affinity linear, and it forgets at resets. */
class KnownItemsBoundTest {
  private static World world() {
    List<String> ids = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add("item-" + i);
      groups.add("group-" + i % 4);
    }
    return new World(ids, groups, 3, List.of(new Drift(Drift.Kind.ABRUPT, 100, 0)), 5);
  }

  @Test
  void theTrueFeaturesMakeEveryUsersAffinityLinear() {
    World world = world();
    for (int user = 0; user < 3; user++) {
      double[] taste = world.taste(user, 0);
      double[] theta = new double[World.FACTORS + 2];
      System.arraycopy(taste, 0, theta, 0, World.FACTORS);
      theta[World.FACTORS] = 1;
      for (int item = 0; item < 40; item++) {
        double[] x = world.trueFeatures(item);
        double linear = 0;
        for (int f = 0; f < x.length; f++) {
          linear += theta[f] * x[f];
        }
        assertThat(linear).isCloseTo(world.affinity(taste, item), within(1e-12));
      }
    }
  }

  @Test
  void theResetVariantForgetsEveryUserAtTheDrift() {
    World world = world();
    LinUcb bound = KnownItemsBound.of(world, 0.5, 0.99, List.of(100L));
    List<List<String>> lists = bound.recommend(List.of(0), 5, 0);
    bound.observe(List.of(0), lists, new io.recsys.v1.FeedbackType[][] {new io.recsys.v1.FeedbackType[5]});
    assertThat(bound.userGram(0)).isNotEqualTo(new double[(World.FACTORS + 2) * (World.FACTORS + 2)]);

    bound.recommend(List.of(1), 5, 100);

    assertThat(bound.userGram(0)).containsOnly(0.0);
    assertThat(bound.name()).isEqualTo("known-items-0.99-reset");
  }
}
