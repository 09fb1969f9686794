package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.user.ReactionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The join on its own: what a reaction joins, once, and what closing a list settles, once. */
class ImpressionJoinTest {
  private static final long SECOND = 1_000_000;

  private record Settled(String eventId, List<Integer> silent, long atMicros) {}

  private final List<Settled> settled = new ArrayList<>();
  private final ImpressionJoin join =
      new ImpressionJoin(Duration.ofSeconds(10), 3, (impression, silent, at) -> settled.add(new Settled(impression.eventId, silent, at)));

  private static Impression list(String eventId, long servedAtMicros) {
    return new Impression(eventId, "u", List.of("a", "b", "c"), List.of(), new float[] {1, 1, 1}, "v1", servedAtMicros, null);
  }

  private static Reaction click(String eventId, String userId, String itemId) {
    return new Reaction(eventId, userId, itemId, ReactionType.CLICK, 0, 0);
  }

  @Test
  void aReactionJoinsOnlyTheListItNamesForTheUserItWasServedTo() {
    join.open(list("e1", 0), 0);

    ImpressionJoin.Match match = join.match(click("e1", "u", "b"));
    assertThat(match.problem()).isNull();
    assertThat(match.position()).isEqualTo(1);

    assertThat(join.match(click("e2", "u", "b")).problem()).contains("unknown event_id 'e2'").contains("(10 s)");
    assertThat(join.match(click("e1", "other", "b")).problem()).contains("is not the user");
    assertThat(join.match(click("e1", "u", "z")).problem()).contains("was not in impression");
  }

  @Test
  void theFirstClaimLogsARepeatWaitsForItAndALateOneIsRefused() {
    Impression impression = list("e1", 0);
    join.open(impression, 0);
    AtomicInteger logged = new AtomicInteger();
    CompletableFuture<Void> durable = new CompletableFuture<>();

    ImpressionJoin.Claim first = join.claim(impression, 1, 1, SECOND, () -> { logged.incrementAndGet(); return durable; });
    ImpressionJoin.Claim repeat = join.claim(impression, 1, 1, 2 * SECOND, () -> { logged.incrementAndGet(); return durable; });
    ImpressionJoin.Claim otherType = join.claim(impression, 1, 2, 2 * SECOND, CompletableFuture::new);
    ImpressionJoin.Claim late = join.claim(impression, 2, 1, 11 * SECOND, CompletableFuture::new);

    assertThat(first).isInstanceOf(ImpressionJoin.Claim.Logged.class);
    assertThat(repeat).isEqualTo(new ImpressionJoin.Claim.Repeat(durable));
    assertThat(otherType).isInstanceOf(ImpressionJoin.Claim.Logged.class);
    assertThat(late).isInstanceOf(ImpressionJoin.Claim.WindowClosed.class);
    assertThat(logged).hasValue(1);
  }

  @Test
  void aReleasedClaimCanBeLoggedAgain() {
    Impression impression = list("e1", 0);
    join.open(impression, 0);
    CompletableFuture<Void> failed = new CompletableFuture<>();
    join.claim(impression, 0, 1, SECOND, () -> failed);

    join.release(impression, 0, 1, failed);

    assertThat(join.claim(impression, 0, 1, SECOND, CompletableFuture::new)).isInstanceOf(ImpressionJoin.Claim.Logged.class);
  }

  @Test
  void aListClosesOnceAtTheEndOfItsWindowWithItsSilentPositions() {
    Impression impression = list("e1", 0);
    join.open(impression, 0);
    join.claim(impression, 1, 1, SECOND, CompletableFuture::new);

    join.expire(10 * SECOND); // the window is [0, 10 s]: still open
    assertThat(settled).isEmpty();
    join.expire(10 * SECOND + 1);
    join.expire(20 * SECOND);

    assertThat(settled).containsExactly(new Settled("e1", List.of(0, 2), 10 * SECOND + 1));
    assertThat(join.openImpressions()).isZero();
    assertThat(join.match(click("e1", "u", "a")).problem()).contains("unknown event_id");
  }

  @Test
  void pastTheBoundTheOldestListClosesEarly() {
    for (int i = 0; i < 4; i++) {
      join.open(list("e" + i, i * SECOND), i * SECOND);
    }

    assertThat(settled).containsExactly(new Settled("e0", List.of(0, 1, 2), 3 * SECOND));
    assertThat(join.closedEarly()).isEqualTo(1);
    assertThat(join.openImpressions()).isEqualTo(3);
  }

  @Test
  void aReplayedReactionCountsAsClaimed() {
    Impression impression = list("e1", 0);
    join.open(impression, 0);

    join.claimReplayed(impression, 2, 1);

    assertThat(join.claim(impression, 2, 1, SECOND, CompletableFuture::new)).isInstanceOf(ImpressionJoin.Claim.Repeat.class);
    join.expire(11 * SECOND);
    assertThat(settled.get(0).silent()).containsExactly(0, 1);
  }
}
