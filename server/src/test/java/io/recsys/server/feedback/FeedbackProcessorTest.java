package io.recsys.server.feedback;

import io.recsys.server.user.ReactionType;
import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.server.user.UserStateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor over a real log on disk, with a clock the test moves. */
class FeedbackProcessorTest {
  private static final int DIM = 16;
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(1), 40, DIM);

  @TempDir Path logDir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
  private Loop loop;
  private int served;

  /** A processor, its state and its log: what one server process holds. */
  private final class Loop implements AutoCloseable {
    final UserStateStore users = new UserStateStore(1_000, DIM);
    final ReplayBuffer replay = new ReplayBuffer(1_000);
    final FeedbackProcessor processor;
    final SegmentedFeedbackLog log;

    Loop() throws Exception {
      this(true);
    }

    Loop(boolean learning) throws Exception {
      FeedbackSettings defaults = FeedbackSettings.defaults();
      processor =
          new FeedbackProcessor(
              () -> CATALOG, users, replay, clock,
              new FeedbackSettings(WINDOW, 1_000, defaults.rewards(), defaults.updater(), learning));
      log = SegmentedFeedbackLog.open(logDir, SegmentedFeedbackLog.Options.defaults(), processor::replay);
      processor.attach(log);
    }

    @Override
    public void close() {
      log.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    loop = new Loop();
  }

  @AfterEach
  void close() {
    loop.close();
  }

  @Test
  void anAcceptedReactionMovesTheUserAndBecomesATransition() throws Exception {
    Recommendation list = serve("alice", "item-1", "item-2", "item-3");

    FeedbackResult result = react(list, "alice", "item-2", ReactionType.CLICK);

    assertThat(result.status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(1);
    float[] state = loop.users.stateOf("alice").vector();
    assertThat(cosine(state, CATALOG.embedding(CATALOG.rowOf("item-2")))).isGreaterThan(0.99);
    Transition transition = loop.replay.snapshot().get(0);
    assertThat(transition.itemId()).isEqualTo("item-2");
    assertThat(transition.reward()).isEqualTo(1f);
    assertThat(transition.candidates()).containsExactly("item-1", "item-2", "item-3");
    assertThat(transition.modelVersion()).isEqualTo("v-test");
    assertThat(transition.state().getValues().isEmpty()).as("served with the prior").isTrue();
    assertThat(transition.nextState().getValues().size()).isEqualTo(DIM);
  }

  @Test
  void invalidReactionsAreRejectedWithAReasonAndChangeNothing() throws Exception {
    Recommendation list = serve("alice", "item-1", "item-2");

    assertThat(react("no-such-event", "alice", "item-1", ReactionType.CLICK).reason())
        .contains("unknown event_id 'no-such-event'");
    assertThat(react(list, "mallory", "item-1", ReactionType.CLICK).reason())
        .contains("user_id 'mallory' is not the user");
    assertThat(react(list, "alice", "item-9", ReactionType.CLICK).reason())
        .contains("item_id 'item-9' was not in impression");
    assertThat(react(list, "alice", "item-1", null).reason())
        .contains("type is missing or unknown");
    assertThat(react(list, "", "item-1", ReactionType.CLICK).reason()).contains("user_id is empty");

    assertThat(loop.processor.durableFeedbackEvents()).isZero();
    assertThat(loop.replay.size()).isZero();
    assertThat(loop.users.find("alice")).isEmpty();
  }

  @Test
  void pastTheBoundTheOldestListClosesEarlyWithTheNoFeedbackReward() throws Exception {
    Recommendation oldest = serve("carol", "item-1", "item-2");
    for (int i = 0; i < 1_000; i++) { // the bound is 1,000 open lists
      serve("dave", "item-3");
    }

    assertThat(loop.replay.snapshot())
        .as("both silent items of the oldest list were rewarded at once")
        .filteredOn(t -> !t.itemId().equals("item-3"))
        .extracting(Transition::reward)
        .containsExactly(0.5f, 0.5f);
    assertThat(react(oldest, "carol", "item-1", ReactionType.CLICK).status())
        .isEqualTo(FeedbackResult.Status.REJECTED);
    assertThat(loop.processor.closedEarly()).isEqualTo(1);
  }

  @Test
  void aRepeatedReactionCountsOnce() throws Exception {
    Recommendation list = serve("bob", "item-1", "item-2");

    assertThat(react(list, "bob", "item-1", ReactionType.LIKE).status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    assertThat(react(list, "bob", "item-1", ReactionType.LIKE).status()).isEqualTo(FeedbackResult.Status.DUPLICATE);
    assertThat(react(list, "bob", "item-1", ReactionType.PURCHASE).status())
        .as("another type on the same item is another event")
        .isEqualTo(FeedbackResult.Status.ACCEPTED);

    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(2);
    assertThat(loop.replay.size()).isEqualTo(2);
  }

  @Test
  void silentItemsEarnTheNoFeedbackRewardExactlyOnceWhenTheWindowCloses() throws Exception {
    Recommendation list = serve("carol", "item-1", "item-2", "item-3");
    react(list, "carol", "item-3", ReactionType.SKIP);

    clock.advance(WINDOW.minusSeconds(1));
    loop.processor.expireJoinWindows().join();
    assertThat(loop.replay.size()).as("window still open").isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    loop.processor.expireJoinWindows().join();
    loop.processor.expireJoinWindows().join();

    List<Transition> transitions = loop.replay.snapshot();
    assertThat(transitions).hasSize(3);
    assertThat(transitions.get(0).itemId()).isEqualTo("item-3");
    assertThat(transitions.get(0).reward()).isZero();
    assertThat(transitions.subList(1, 3)).extracting(Transition::itemId).containsExactly("item-1", "item-2");
    assertThat(transitions.subList(1, 3)).allSatisfy(t -> assertThat(t.reward()).isEqualTo(0.5f));
    assertThat(loop.processor.noFeedbackRewards()).isEqualTo(2);
  }

  @Test
  void feedbackAfterTheWindowIsRejectedAndChangesNothing() throws Exception {
    Recommendation list = serve("dave", "item-1", "item-2");
    clock.advance(WINDOW.plusSeconds(1));

    FeedbackResult late = react(list, "dave", "item-1", ReactionType.CLICK);

    assertThat(late.status()).isEqualTo(FeedbackResult.Status.REJECTED);
    assertThat(late.reason()).contains("join window");
    assertThat(loop.processor.durableFeedbackEvents()).isZero();
    assertThat(loop.users.find("dave")).isEmpty();
  }

  @Test
  void withLearningOffReactionsAreStoredButMoveNoState() throws Exception {
    loop.close();
    loop = new Loop(false);
    Recommendation list = serve("gina", "item-1", "item-2");

    assertThat(react(list, "gina", "item-1", ReactionType.CLICK).status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    react(list, "gina", "item-2", ReactionType.DISLIKE);

    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(2);
    assertThat(loop.replay.size()).isEqualTo(2);
    assertThat(loop.users.stateOf("gina").vector()).containsOnly(0f);
    assertThat(loop.users.dislikedBy("gina")).containsExactly("item-2");
  }

  @Test
  void aDislikedItemIsRememberedForTheUser() throws Exception {
    Recommendation list = serve("erin", "item-4", "item-5");

    react(list, "erin", "item-5", ReactionType.DISLIKE);

    assertThat(loop.users.dislikedBy("erin")).containsExactly("item-5");
  }

  @Test
  void aRestartRebuildsCountersStatesTheBufferAndTheIdempotencyRecord() throws Exception {
    Recommendation first = serve("frank", "item-1", "item-2", "item-3");
    react(first, "frank", "item-1", ReactionType.CLICK);
    react(first, "frank", "item-2", ReactionType.DISLIKE);
    clock.advance(WINDOW.plusSeconds(5));
    loop.processor.expireJoinWindows().join(); // item-3 gets 0.5
    Recommendation second = serve("frank", "item-7", "item-8");
    react(second, "frank", "item-8", ReactionType.DWELL);
    List<Transition> before = loop.replay.snapshot();
    float[] stateBefore = loop.users.stateOf("frank").vector();
    loop.close();

    loop = new Loop();

    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(3);
    assertThat(loop.replay.snapshot()).extracting(Transition::itemId)
        .containsExactlyElementsOf(before.stream().map(Transition::itemId).toList());
    assertThat(loop.replay.snapshot()).extracting(Transition::reward)
        .containsExactlyElementsOf(before.stream().map(Transition::reward).toList());
    assertThat(cosine(loop.users.stateOf("frank").vector(), stateBefore)).isGreaterThan(0.999);
    assertThat(loop.users.dislikedBy("frank")).containsExactly("item-2");
    assertThat(react(second, "frank", "item-8", ReactionType.DWELL).status())
        .isEqualTo(FeedbackResult.Status.DUPLICATE);
    assertThat(loop.processor.openImpressions()).isEqualTo(1);
  }

  @Test
  void aSecondCopyOfOneReactionInASharedLogAppliesOnceInLogOrder() throws Exception {
    Recommendation list = serve("alice", "item-1", "item-2", "item-3");
    assertThat(react(list, "alice", "item-2", ReactionType.CLICK).status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    int transitions = loop.replay.size();

    // The same reaction again, as another replica logged it (sent there too, or resent after a timeout).
    Reaction copy = new Reaction(list.eventId(), "alice", "item-2", ReactionType.CLICK, 12, 0);
    loop.processor.applyShared(LogRecords.of(copy, 1_000));
    loop.processor.expireJoinWindows().get(); // runs after the copy on the effects thread

    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(1);
    assertThat(loop.processor.duplicateFeedbackEvents()).isEqualTo(1);
    assertThat(loop.replay.size()).isEqualTo(transitions);
    // A different reaction to the same list still applies.
    loop.processor.applyShared(LogRecords.of(new Reaction(list.eventId(), "alice", "item-3", ReactionType.LIKE, 0, 0), 2_000));
    loop.processor.expireJoinWindows().get();
    assertThat(loop.processor.durableFeedbackEvents()).isEqualTo(2);
  }

  @Test
  void forgettingAUserDropsTheirListsStateAndTransitionsAndAListRankedBeforeIsNeverLogged() throws Exception {
    Recommendation reacted = serve("alice", "item-1", "item-2");
    assertThat(react(reacted, "alice", "item-1", ReactionType.CLICK).status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    Recommendation open = serve("alice", "item-3", "item-4");
    serve("bob", "item-1", "item-2");
    // A Recommend call that read alice's state before the erasure and logs its list after it.
    io.recsys.server.user.UserState before = loop.users.stateOf("alice");
    Recommendation late = new Recommendation("event-late", "alice", List.of(new ScoredItem("item-5", 1f, 1f, 0, false)), "v-test", 1);

    FeedbackProcessor.Forgotten forgotten = loop.processor.forget("alice").get();
    long recordsAfter = loop.log.recordCount(); // the erasure ran after every earlier append

    assertThat(forgotten.logRecords()).as("2 lists, 1 click").isEqualTo(3);
    assertThat(forgotten.openLists()).isEqualTo(2);
    assertThat(forgotten.transitions()).isPositive();
    assertThat(forgotten.state()).isTrue();
    assertThat(loop.replay.count(t -> t.userId().equals("alice"))).isZero();
    assertThat(loop.users.find("alice")).isEmpty();
    assertThat(react(open, "alice", "item-3", ReactionType.CLICK).status()).as("its list was dropped").isEqualTo(FeedbackResult.Status.REJECTED);
    loop.processor.served(late, before, before.vector(), 0, DIM);
    assertThat(loop.processor.forget("nobody").get().found()).isFalse(); // runs after any append queued before it
    assertThat(loop.log.recordCount()).as("the late list was not logged").isEqualTo(recordsAfter);
    assertThat(react(late, "alice", "item-5", ReactionType.CLICK).status()).isEqualTo(FeedbackResult.Status.REJECTED);
    assertThat(loop.processor.openImpressions()).as("bob's list only").isEqualTo(1);
    // Alice coming back is a new user: her new lists are logged and learned from.
    Recommendation again = serve("alice", "item-6");
    assertThat(react(again, "alice", "item-6", ReactionType.CLICK).status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
    assertThat(react(serve("bob", "item-7"), "bob", "item-7", ReactionType.CLICK).status()).as("other users' lists are logged")
        .isEqualTo(FeedbackResult.Status.ACCEPTED);
  }

  private Recommendation serve(String user, String... items) {
    List<ScoredItem> scored = new ArrayList<>();
    for (String item : items) {
      scored.add(new ScoredItem(item, 1f, 1f, scored.size(), false));
    }
    Recommendation recommendation = new Recommendation("event-" + served++, user, scored, "v-test", 1);
    io.recsys.server.user.UserState state = loop.users.stateOf(user);
    loop.processor.served(recommendation, state, state.vector(), 0, DIM);
    return recommendation;
  }

  private FeedbackResult react(Recommendation list, String user, String item, ReactionType type) throws Exception {
    return react(list.eventId(), user, item, type);
  }

  private FeedbackResult react(String eventId, String user, String item, ReactionType type) throws Exception {
    return loop.processor.submit(new Reaction(eventId, user, item, type, 12, 0)).get();
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
