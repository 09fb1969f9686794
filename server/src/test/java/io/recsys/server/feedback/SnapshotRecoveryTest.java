package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.learning.ItemParameters;
import io.recsys.server.learning.OnlineLearner;
import io.recsys.server.learning.OnlineLearningSettings;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.server.storage.SnapshotFiles;
import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserSnapshots;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart from a snapshot and the log after it rebuilds what a replay of the whole log does:
 * user states and posteriors, item parameters, the replay buffer, the counters, the open lists
 * and their idempotency record. Real log and snapshot files on disk, the whole fast learner.
 */
class SnapshotRecoveryTest {
  private static final int DIM = 16;
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(7), 60, DIM);
  private static final ReactionType[] TYPES = {ReactionType.CLICK, ReactionType.LIKE, ReactionType.SKIP, ReactionType.DISLIKE, ReactionType.DWELL};

  @TempDir Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private int served;

  /** What one server process holds of the feedback loop; {@code snapshots} null: no snapshot restored. */
  private final class Loop implements AutoCloseable {
    final UserStateStore users = new UserStateStore(10_000, DIM);
    final ReplayBuffer replay = new ReplayBuffer(20_000);
    final OnlineLearningSettings online = OnlineLearningSettings.defaults();
    final ItemParameters items = new ItemParameters(online, 0.3f, 99);
    final UserPosteriors posteriors = new UserPosteriors(online.dimension(), online.users());
    final FeedbackProcessor processor;
    final SegmentedFeedbackLog log;
    final List<SnapshotPart> parts;
    final long replayed;
    /** The restored snapshot's log position (0 without one): records from here on were applied again. */
    final long position;
    Checkpointer checkpointer;

    Loop(SnapshotFiles snapshots) throws Exception {
      FeedbackSettings defaults = FeedbackSettings.defaults();
      processor =
          new FeedbackProcessor(
              () -> CATALOG, users, replay, clock, new FeedbackSettings(WINDOW, 1_000, defaults.rewards(), defaults.updater(), true),
              new OnlineLearner(() -> CATALOG, users, posteriors, items));
      parts = List.of(UserSnapshots.states(users), UserSnapshots.population(posteriors.population()), items.snapshotPart(() -> CATALOG));
      long joinFrom = 0;
      long position = 0;
      if (snapshots != null) {
        List<SnapshotPart> restoring = new ArrayList<>(processor.ownParts());
        restoring.addAll(parts);
        var header = snapshots.restoreNewest(restoring);
        if (header.isPresent()) {
          joinFrom = header.get().getJoinFrom();
          position = header.get().getLogPosition();
        }
      }
      processor.resumeFrom(joinFrom, position);
      long[] count = {0};
      log = SegmentedFeedbackLog.open(dir.resolve("log"), SegmentedFeedbackLog.Options.defaults(), joinFrom, position, r -> {
        count[0]++;
        processor.replay(r);
      });
      replayed = count[0];
      this.position = position;
      processor.attach(log);
      if (snapshots != null) {
        checkpointer = new Checkpointer(processor, parts, snapshots, log, SnapshotSettings.defaults(), position);
      }
    }

    /** A crash: the log and the effects stop, no last snapshot. */
    @Override
    public void close() {
      log.close();
      processor.close();
    }
  }

  @Test
  void aSnapshotAndTheLogAfterItRebuildWhatTheWholeLogDoes() throws Exception {
    SnapshotFiles snapshots = SnapshotFiles.open(dir.resolve("snapshots"), 2);
    Random random = new Random(3);
    Loop live = new Loop(snapshots);
    List<Recommendation> lists = new ArrayList<>();
    traffic(live, random, 400, lists);
    SnapshotFiles.Stored snapshot = live.checkpointer.snapshotNow();
    traffic(live, random, 300, lists);
    List<Reaction> accepted = traffic(live, random, 5, lists);
    live.close();

    Loop fromSnapshot = new Loop(snapshots);
    Loop fromScratch = new Loop(null);

    assertThat(snapshot.logPosition()).isGreaterThan(500);
    assertThat(fromSnapshot.position).isEqualTo(snapshot.logPosition());
    assertThat(fromScratch.replayed - fromSnapshot.position).as("records applied again after the snapshot").isLessThan(fromScratch.replayed / 2);
    assertThat(fromSnapshot.processor.durableFeedbackEvents()).isEqualTo(fromScratch.processor.durableFeedbackEvents());
    assertThat(fromSnapshot.processor.noFeedbackRewards()).isEqualTo(fromScratch.processor.noFeedbackRewards());
    assertThat(fromSnapshot.processor.openImpressions()).isEqualTo(fromScratch.processor.openImpressions()).isPositive();
    // The same transitions; their order differs where the live loop closed windows in batches and a replay one by one.
    assertThat(fromSnapshot.replay.snapshot()).extracting(t -> t.eventId() + "/" + t.itemId() + "/" + t.reward())
        .containsExactlyInAnyOrderElementsOf(fromScratch.replay.snapshot().stream().map(t -> t.eventId() + "/" + t.itemId() + "/" + t.reward()).toList());
    assertThat(fromSnapshot.users.size()).isEqualTo(fromScratch.users.size());
    fromScratch.users.forEach((user, expected) -> {
      UserState restored = fromSnapshot.users.stateOf(user);
      assertThat(restored.disliked()).as(user).containsExactlyElementsOf(expected.disliked());
      assertThat(restored.tasteChange().evidence()).as(user).isCloseTo(expected.tasteChange().evidence(), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(fromSnapshot.posteriors.fit(restored).mean()).as(user).containsExactly(fromScratch.posteriors.fit(expected).mean(), org.assertj.core.data.Offset.offset(1e-9));
    });
    ItemSpace restoredItems = fromSnapshot.items.spaceFor(CATALOG);
    ItemSpace replayedItems = fromScratch.items.spaceFor(CATALOG);
    for (int row = 0; row < CATALOG.size(); row++) {
      assertThat(restoredItems.featuresOf(row, new double[restoredItems.dimension()]))
          .as("item row %d", row)
          .containsExactly(replayedItems.featuresOf(row, new double[replayedItems.dimension()]), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(restoredItems.bias(row)).isCloseTo(replayedItems.bias(row), org.assertj.core.data.Offset.offset(1e-6f));
    }
    for (Reaction reaction : accepted) {
      assertThat(fromSnapshot.processor.submit(reaction).get().status()).as("a resend after the restart").isEqualTo(FeedbackResult.Status.DUPLICATE);
    }
    fromSnapshot.close();
    fromScratch.close();
  }

  @Test
  void aGracefulStopSnapshotsEverythingSoTheNextStartReplaysNothing() throws Exception {
    SnapshotFiles snapshots = SnapshotFiles.open(dir.resolve("snapshots"), 2);
    Loop live = new Loop(snapshots);
    List<Recommendation> lists = new ArrayList<>();
    List<Reaction> accepted = traffic(live, new Random(5), 200, lists);
    live.close();
    live.checkpointer.close(); // as the server closes it: after the processor

    Loop next = new Loop(snapshots);

    assertThat(next.position).as("nothing to apply again").isEqualTo(live.log.recordCount());
    assertThat(next.processor.durableFeedbackEvents()).isEqualTo(live.processor.durableFeedbackEvents()).isPositive();
    assertThat(next.processor.openImpressions()).isEqualTo(live.processor.openImpressions());
    assertThat(next.processor.submit(accepted.get(accepted.size() - 1)).get().status()).isEqualTo(FeedbackResult.Status.DUPLICATE);
    next.close();
  }

  @Test
  void aDamagedNewestSnapshotFallsBackToTheOneBefore() throws Exception {
    SnapshotFiles snapshots = SnapshotFiles.open(dir.resolve("snapshots"), 2);
    Random random = new Random(11);
    Loop live = new Loop(snapshots);
    List<Recommendation> lists = new ArrayList<>();
    traffic(live, random, 100, lists);
    SnapshotFiles.Stored older = live.checkpointer.snapshotNow();
    traffic(live, random, 100, lists);
    SnapshotFiles.Stored newest = live.checkpointer.snapshotNow();
    traffic(live, random, 20, lists);
    live.close();
    byte[] bytes = Files.readAllBytes(newest.file());
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(newest.file(), bytes);

    Loop recovered = new Loop(snapshots);
    Loop fromScratch = new Loop(null);

    assertThat(recovered.position).as("restored from the older snapshot").isEqualTo(older.logPosition()).isLessThan(newest.logPosition());
    assertThat(recovered.processor.durableFeedbackEvents()).isEqualTo(fromScratch.processor.durableFeedbackEvents());
    recovered.close();
    fromScratch.close();
  }

  @Test
  void segmentsAreRetiredOnlyOnceASnapshotCoversThemAndTheRetentionSaysSo() throws Exception {
    SnapshotFiles snapshots = SnapshotFiles.open(dir.resolve("snapshots"), 1);
    FeedbackSettings defaults = FeedbackSettings.defaults();
    UserStateStore users = new UserStateStore(10_000, DIM);
    ReplayBuffer replay = new ReplayBuffer(1_000);
    FeedbackProcessor processor =
        new FeedbackProcessor(() -> CATALOG, users, replay, clock, new FeedbackSettings(WINDOW, 1_000, defaults.rewards(), defaults.updater(), true));
    SegmentedFeedbackLog.Options small = new SegmentedFeedbackLog.Options(FsyncPolicy.BATCH, Duration.ofMillis(50), 64 << 10, 1_024);
    SegmentedFeedbackLog log = SegmentedFeedbackLog.open(dir.resolve("log"), small, processor::replay);
    processor.attach(log);
    for (int i = 0; i < 2_000; i++) {
      Recommendation list = list("user-" + (i % 50), 5, new Random(i));
      processor.served(list, users.stateOf(list.userId()), users.stateOf(list.userId()).vector(), 0, DIM);
    }
    awaitRecords(log, 2_000);
    long segments = segmentCount();
    assertThat(segments).as("64 KiB segments rolled").isGreaterThan(2);

    Checkpointer keepAll = new Checkpointer(processor, List.of(UserSnapshots.states(users)), snapshots, log,
        new SnapshotSettings(Duration.ofHours(1), 1_000_000, new LogRetention(Long.MAX_VALUE, null)), 0);
    keepAll.snapshotNow();
    assertThat(segmentCount()).as("no bound: everything kept").isEqualTo(segments);

    // Every list's window closes: the snapshot then needs no record before its own position.
    clock.advance(WINDOW.plusSeconds(1));
    processor.expireJoinWindows().join();
    Checkpointer bounded = new Checkpointer(processor, List.of(UserSnapshots.states(users)), snapshots, log,
        new SnapshotSettings(Duration.ofHours(1), 1_000_000, new LogRetention(0, null)), 0);
    bounded.snapshotNow();
    long joinFrom = snapshots.oldestNeededRecord().orElseThrow();
    assertThat(segmentCount()).as("covered segments went").isLessThan(segments);
    log.close();
    processor.close();

    // What is left still holds every record from what the snapshot needs on.
    long kept = SegmentedFeedbackLog.readAll(dir.resolve("log"), r -> {});
    assertThat(kept).isLessThan(2_000).isGreaterThanOrEqualTo(2_000 - joinFrom);
  }

  // ---- traffic

  /** {@code rounds} lists to random users with random reactions, resends and window closings; returns the accepted reactions. */
  private List<Reaction> traffic(Loop loop, Random random, int rounds, List<Recommendation> lists) throws Exception {
    List<Reaction> accepted = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Recommendation list = list("user-" + random.nextInt(40), 6, random);
      loop.processor.served(list, loop.users.stateOf(list.userId()), loop.users.stateOf(list.userId()).vector(), 0, DIM);
      lists.add(list);
      int reactions = random.nextInt(3);
      for (int r = 0; r < reactions; r++) {
        Recommendation target = lists.get(Math.max(0, lists.size() - 1 - random.nextInt(Math.min(lists.size(), 30))));
        String item = target.items().get(random.nextInt(target.items().size())).itemId();
        Reaction reaction = new Reaction(target.eventId(), target.userId(), item, TYPES[random.nextInt(TYPES.length)], random.nextInt(60), 0);
        FeedbackResult result = loop.processor.submit(reaction).get();
        if (result.status() == FeedbackResult.Status.ACCEPTED) {
          accepted.add(reaction);
        }
      }
      clock.advance(Duration.ofMillis(random.nextInt(400)));
      if (round % 25 == 0) {
        loop.processor.expireJoinWindows().join();
      }
    }
    awaitRecords(loop.log, loop.log.recordCount());
    return accepted;
  }

  private Recommendation list(String user, int k, Random random) {
    List<ScoredItem> items = new ArrayList<>();
    List<Integer> rows = new ArrayList<>();
    while (rows.size() < k) {
      int row = random.nextInt(CATALOG.size());
      if (!rows.contains(row)) {
        rows.add(row);
        items.add(new ScoredItem(CATALOG.item(row).id(), 1f, 0.5f, items.size(), false));
      }
    }
    return new Recommendation("event-" + served++, user, items, "v-test", 1);
  }

  /** Lists are logged asynchronously: waits until the log holds {@code records} and their effects ran. */
  private static void awaitRecords(SegmentedFeedbackLog log, long records) throws InterruptedException {
    for (int i = 0; i < 500 && log.recordCount() < records; i++) {
      Thread.sleep(10);
    }
    Thread.sleep(50);
  }

  private long segmentCount() throws Exception {
    try (var files = Files.list(dir.resolve("log"))) {
      return files.filter(f -> f.toString().endsWith(".seg")).count();
    }
  }
}
