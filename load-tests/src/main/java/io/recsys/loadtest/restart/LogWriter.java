package io.recsys.loadtest.restart;

import io.recsys.server.feedback.FsyncPolicy;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.ReactionType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a feedback log as a busy server would have, straight into a (stopped) server's data dir:
 * lists of {@code k} items drawn from {@code candidates} retrieval candidates for random users,
 * each with the user's state, and for about half of them a click a little later. Faster than
 * serving millions of lists through the API, with records of the same kinds and sizes.
 */
public final class LogWriter {
  private final int catalogItems;
  private final int users;
  private final int k;
  private final int candidates;
  private final int dimension;
  private final Duration recordGap;
  private final SplittableRandom random;
  private final Deque<LogRecord> clicksDue = new ArrayDeque<>();
  private long lists;
  private long timeMicros;

  public LogWriter(int catalogItems, int users, int k, int candidates, int dimension, Duration recordGap, long startMicros, long seed) {
    this.catalogItems = catalogItems;
    this.users = users;
    this.k = k;
    this.candidates = candidates;
    this.dimension = dimension;
    this.recordGap = recordGap;
    this.timeMicros = startMicros;
    this.random = new SplittableRandom(seed);
  }

  /** Appends {@code records} records to the log in {@code logDir}; returns when all are on disk. */
  public void append(Path logDir, long records) throws IOException {
    SegmentedFeedbackLog.Options options = new SegmentedFeedbackLog.Options(FsyncPolicy.INTERVAL, Duration.ofSeconds(1), 64L << 20, 65_536);
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(logDir, options, r -> {})) {
      CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
      for (long n = 0; n < records; n++) {
        last = log.append(next());
      }
      last.join();
    }
  }

  private LogRecord next() {
    timeMicros += recordGap.toNanos() / 1_000;
    // A click arrives about 20 records after its list; half of the lists get one.
    if (!clicksDue.isEmpty() && clicksDue.size() > 20) {
      return clicksDue.poll().toBuilder().setServerTimeMicros(timeMicros).build();
    }
    String eventId = "restart-bench-" + lists++;
    String user = "user-" + random.nextInt(users);
    ImpressionRecord.Builder list = ImpressionRecord.newBuilder().setEventId(eventId).setUserId(user).setModelVersion("v1");
    int first = random.nextInt(catalogItems);
    for (int c = 0; c < candidates; c++) {
      String item = "item-" + ((first + c * 7919L) % catalogItems);
      list.addCandidateIds(item);
      if (c < k) {
        list.addItemIds(item).addPropensities(1f);
      }
    }
    float[] state = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      state[d] = (float) (random.nextDouble() - 0.5);
    }
    list.setUserState(StateCodec.encode(state));
    if (random.nextBoolean()) {
      clicksDue.add(LogRecord.newBuilder()
          .setFeedback(FeedbackRecord.newBuilder()
              .setEventId(eventId).setUserId(user).setItemId(list.getItemIds(random.nextInt(k))).setType(ReactionType.CLICK.number()))
          .build());
    }
    return LogRecord.newBuilder().setServerTimeMicros(timeMicros).setImpression(list).build();
  }

  long timeMicros() {
    return timeMicros;
  }

  /** A vector catalog ({@code item-0} ...) of the items the records name, as {@code serve --catalog} reads it. */
  public static void writeVectorCatalog(Path file, int items, int dimension) throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    StringBuilder csv = new StringBuilder("item_id,title,embedding\n");
    for (int i = 0; i < items; i++) {
      csv.append("item-").append(i).append(",Item ").append(i).append(',');
      for (int d = 0; d < dimension; d++) {
        csv.append(d == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.4f", random.nextDouble() - 0.5));
      }
      csv.append('\n');
    }
    java.nio.file.Files.writeString(file, csv);
  }
}
