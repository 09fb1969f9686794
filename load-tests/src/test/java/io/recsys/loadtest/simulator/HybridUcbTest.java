package io.recsys.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The experimental hybrid learner shares what it learns: what everyone clicks reaches a newcomer's first list. */
class HybridUcbTest {
  private static final int ITEMS = 300;
  private static final int DIM = 8;

  @Test
  void anItemEveryoneClicksReachesANewUsersFirstList() {
    List<String> ids = IntStream.range(0, ITEMS).mapToObj(i -> "item-" + i).toList();
    World world = new World(ids, ids, 50, List.of(), 1);
    SplittableRandom random = new SplittableRandom(2);
    float[] vectors = new float[ITEMS * DIM];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = (float) (random.nextDouble() - 0.5);
    }
    HybridUcb policy = new HybridUcb(world, vectors, DIM, 0.1, 1, HybridUcb.Variant.FULL, 3);
    String hit = "item-123";
    for (int round = 0; round < 200; round++) {
      int user = round % 40;
      List<String> list = new ArrayList<>(policy.recommend(List.of(user), 10, round).get(0));
      if (!list.contains(hit)) {
        list.set(9, hit);
      }
      FeedbackType[][] reactions = new FeedbackType[1][10];
      reactions[0][list.indexOf(hit)] = FeedbackType.FEEDBACK_TYPE_CLICK;
      policy.observe(List.of(user), List.of(list), reactions);
    }

    assertThat(policy.recommend(List.of(45), 10, 200).get(0)).contains(hit);
  }
}
