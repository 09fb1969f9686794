package io.recsys.server.feedback;

import io.recsys.server.storage.SnapshotPart;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the {@link Checkpointer} needs of a feedback log: where it stands, a capture of the
 * feedback loop that matches a position of it, and letting go of what the snapshots cover.
 */
public interface SnapshotLog {
  /** Records appended or applied so far: the checkpointer's measure of how much a restart would replay. */
  long recordCount();

  /** Captures {@code parts} through {@code processor} at a point of this log, with the log's position there. */
  CompletableFuture<FeedbackProcessor.Captured> capture(FeedbackProcessor processor, List<SnapshotPart> parts);

  /** The same once the processor and this log are closed: the last snapshot of a graceful stop. */
  FeedbackProcessor.Captured captureClosed(FeedbackProcessor processor, List<SnapshotPart> parts);

  /** Deletes what the kept snapshots no longer need, as the retention allows; returns what went. */
  int retire(long coveredBelow, LogRetention retention) throws IOException;
}
