package io.recsys.server.ops;

import io.recsys.server.feedback.FeedbackSettings;
import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.LogRetention;
import io.recsys.server.feedback.RewardFunction;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.feedback.SnapshotSettings;
import io.recsys.server.user.UserStateUpdater;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * How feedback is taken, stored and turned into learning examples. Each {@code with} method
 * checks its setting and names it when it refuses a value.
 *
 * @param processor join window, open-impression bound, rewards, user-state update rule
 * @param log fsync policy, segment size, writer queue bound
 * @param streamWindow events one StreamFeedback call may have in flight
 * @param replayCapacity transitions held for the trainer
 * @param snapshots how often the loop's state is snapshotted, how much log is kept after
 */
public record FeedbackConfig(
    FeedbackSettings processor, SegmentedFeedbackLog.Options log, int streamWindow, int replayCapacity, SnapshotSettings snapshots) {
  public FeedbackConfig {
    SettingChecks.atLeast("feedback-stream-window", streamWindow, 1);
    SettingChecks.atLeast("replay-capacity", replayCapacity, 1);
  }

  public static FeedbackConfig defaults() {
    return new FeedbackConfig(
        FeedbackSettings.defaults(), SegmentedFeedbackLog.Options.defaults(), 1_024, 100_000, SnapshotSettings.defaults());
  }

  /** Off: the server is a static scorer that stores every reaction but learns from none. */
  public FeedbackConfig withLearning(boolean learning) {
    return withProcessor(p -> new FeedbackSettings(p.joinWindow(), p.maxOpenImpressions(), p.rewards(), p.updater(), learning));
  }

  public FeedbackConfig withJoinWindow(Duration window) {
    SettingChecks.positive("join-window", window);
    return withProcessor(p -> new FeedbackSettings(window, p.maxOpenImpressions(), p.rewards(), p.updater(), p.learning()));
  }

  public FeedbackConfig withMaxOpenImpressions(int bound) {
    SettingChecks.atLeast("max-open-impressions", bound, 1);
    return withProcessor(p -> new FeedbackSettings(p.joinWindow(), bound, p.rewards(), p.updater(), p.learning()));
  }

  public FeedbackConfig withRewards(RewardFunction rewards) {
    SettingChecks.present("rewards", rewards);
    return withProcessor(p -> new FeedbackSettings(p.joinWindow(), p.maxOpenImpressions(), rewards, p.updater(), p.learning()));
  }

  /** Whether items a user disliked may come back into their lists. */
  public FeedbackConfig withKeepDisliked(boolean keep) {
    return withProcessor(p -> {
      UserStateUpdater u = p.updater();
      UserStateUpdater updater = new UserStateUpdater(u.attractRate(), u.repelRate(), !keep, u.maxDisliked());
      return new FeedbackSettings(p.joinWindow(), p.maxOpenImpressions(), p.rewards(), updater, p.learning());
    });
  }

  /** How far a positive reaction pulls the user's content state toward the item (0: never). */
  public FeedbackConfig withContentRate(float rate) {
    return withProcessor(p -> {
      UserStateUpdater u = p.updater();
      UserStateUpdater updater = new UserStateUpdater(rate, u.repelRate(), u.excludeDisliked(), u.maxDisliked());
      return new FeedbackSettings(p.joinWindow(), p.maxOpenImpressions(), p.rewards(), updater, p.learning());
    });
  }

  public FeedbackConfig withFsync(FsyncPolicy policy) {
    SegmentedFeedbackLog.Options o = log;
    SettingChecks.present("fsync", policy);
    return new FeedbackConfig(
        processor, new SegmentedFeedbackLog.Options(policy, o.fsyncInterval(), o.segmentBytes(), o.queueCapacity()),
        streamWindow, replayCapacity, snapshots);
  }

  public FeedbackConfig withStreamWindow(int events) {
    return new FeedbackConfig(processor, log, events, replayCapacity, snapshots);
  }

  public FeedbackConfig withReplayCapacity(int transitions) {
    return new FeedbackConfig(processor, log, streamWindow, transitions, snapshots);
  }

  /** A snapshot at least this often while records arrive. */
  public FeedbackConfig withSnapshotInterval(Duration interval) {
    SettingChecks.positive("snapshot-interval-seconds", interval);
    return withSnapshots(new SnapshotSettings(interval, snapshots.everyRecords(), snapshots.retention()));
  }

  /** And one as soon as this many log records arrived since the last. */
  public FeedbackConfig withSnapshotEveryRecords(long records) {
    SettingChecks.atLeast("snapshot-every-records", records, 1);
    return withSnapshots(new SnapshotSettings(snapshots.interval(), records, snapshots.retention()));
  }

  /** The feedback log's bound once snapshots cover it: size in MiB, age in hours (0: no bound by age). */
  public FeedbackConfig withLogRetention(long megabytes, long hours) {
    SettingChecks.atLeast("feedback-log-retention-mb", megabytes, 0);
    SettingChecks.atLeast("feedback-log-retention-hours", hours, 0);
    LogRetention retention = new LogRetention(megabytes << 20, hours == 0 ? null : Duration.ofHours(hours));
    return withSnapshots(new SnapshotSettings(snapshots.interval(), snapshots.everyRecords(), retention));
  }

  private FeedbackConfig withSnapshots(SnapshotSettings next) {
    return new FeedbackConfig(processor, log, streamWindow, replayCapacity, next);
  }

  private FeedbackConfig withProcessor(UnaryOperator<FeedbackSettings> change) {
    return new FeedbackConfig(change.apply(processor), log, streamWindow, replayCapacity, snapshots);
  }
}
