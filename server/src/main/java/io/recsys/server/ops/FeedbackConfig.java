package io.recsys.server.ops;

import io.recsys.server.feedback.FeedbackSettings;
import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.SegmentedFeedbackLog;

/**
 * How feedback is taken, stored and turned into learning examples.
 *
 * @param processor join window, open-impression bound, rewards, user-state update rule
 * @param log fsync policy, segment size, writer queue bound
 * @param streamWindow events one StreamFeedback call may have in flight
 * @param replayCapacity transitions held for the trainer
 */
public record FeedbackConfig(
    FeedbackSettings processor, SegmentedFeedbackLog.Options log, int streamWindow, int replayCapacity) {
  public FeedbackConfig {
    if (streamWindow < 1) {
      throw new IllegalArgumentException("feedback-stream-window must be >= 1, got " + streamWindow);
    }
    if (replayCapacity < 1) {
      throw new IllegalArgumentException("replay-capacity must be >= 1, got " + replayCapacity);
    }
  }

  public static FeedbackConfig defaults() {
    return new FeedbackConfig(
        FeedbackSettings.defaults(), SegmentedFeedbackLog.Options.defaults(), 1_024, 100_000);
  }

  /** The same settings with learning (user states moved by reactions) on or off. */
  public FeedbackConfig withLearning(boolean learning) {
    FeedbackSettings p = processor;
    return new FeedbackConfig(
        new FeedbackSettings(p.joinWindow(), p.maxOpenImpressions(), p.rewards(), p.updater(), learning),
        log, streamWindow, replayCapacity);
  }

  public FeedbackConfig withFsync(FsyncPolicy policy) {
    SegmentedFeedbackLog.Options o = log;
    return new FeedbackConfig(
        processor, new SegmentedFeedbackLog.Options(policy, o.fsyncInterval(), o.segmentBytes(), o.queueCapacity()),
        streamWindow, replayCapacity);
  }
}
