package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The replay buffer keeps the newest transitions up to its capacity. */
class ReplayBufferTest {
  @Test
  void pastItsCapacityTheOldestTransitionsAreDroppedFirst() {
    ReplayBuffer buffer = new ReplayBuffer(3);
    for (int i = 0; i < 5; i++) {
      buffer.add(transition(i));
    }

    assertThat(buffer.size()).isEqualTo(3);
    assertThat(buffer.totalAdded()).isEqualTo(5);
    assertThat(buffer.snapshot()).extracting(Transition::itemId).containsExactly("item-2", "item-3", "item-4");
    assertThat(buffer.recent(2)).extracting(Transition::itemId).containsExactly("item-3", "item-4");
    assertThat(buffer.recent(10)).hasSize(3);
  }

  @Test
  void samplesComeFromWhatTheBufferHoldsAndAnEmptyBufferGivesNone() {
    ReplayBuffer buffer = new ReplayBuffer(4);
    assertThat(buffer.sample(8, new SplittableRandom(1))).isEmpty();
    for (int i = 0; i < 6; i++) {
      buffer.add(transition(i));
    }

    List<Transition> sample = buffer.sample(200, new SplittableRandom(1));

    assertThat(sample).hasSize(200);
    assertThat(sample).extracting(Transition::itemId).containsOnly("item-2", "item-3", "item-4", "item-5");
    assertThat(sample).extracting(Transition::itemId).contains("item-2", "item-5"); // uniform: both ends drawn
  }

  @Test
  void removeIfDropsOnlyTheMatchingTransitionsAndKeepsTheRestInOrderAcrossTheWrap() {
    ReplayBuffer buffer = new ReplayBuffer(5);
    for (int i = 0; i < 8; i++) { // wrapped: holds 3..7, the oldest in the middle of the ring
      buffer.add(transition(i, i % 2 == 0 ? "even" : "odd"));
    }

    assertThat(buffer.count(t -> t.userId().equals("odd"))).isEqualTo(3);
    assertThat(buffer.removeIf(t -> t.userId().equals("odd"))).isEqualTo(3);

    assertThat(buffer.size()).isEqualTo(2);
    assertThat(buffer.totalAdded()).isEqualTo(8); // a count of arrivals, not of what is held
    assertThat(buffer.snapshot()).extracting(Transition::itemId).containsExactly("item-4", "item-6");
    assertThat(buffer.removeIf(t -> t.userId().equals("odd"))).isZero();
    // The freed slots fill again, the oldest still dropped first.
    for (int i = 8; i < 12; i++) {
      buffer.add(transition(i, "even"));
    }
    assertThat(buffer.snapshot()).extracting(Transition::itemId).containsExactly("item-6", "item-8", "item-9", "item-10", "item-11");
    assertThat(buffer.recent(2)).extracting(Transition::itemId).containsExactly("item-10", "item-11");
    assertThat(buffer.sample(100, new SplittableRandom(3))).extracting(Transition::itemId).doesNotContain("item-4");
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new ReplayBuffer(0)).hasMessageContaining("capacity must be >= 1");
  }

  private static Transition transition(int i) {
    return transition(i, "user-" + i);
  }

  private static Transition transition(int i, String userId) {
    return new Transition("event-" + i, StateCodec.encode(new float[] {i, 1}), "item-" + i, 0, 0.5f, StateCodec.encode(new float[] {i, 1}),
        List.of("item-" + i), 1f, "v1", i, userId);
  }
}
