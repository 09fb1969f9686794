package io.recsys.server.feedback;

import com.google.protobuf.CodedOutputStream;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything the server stores about one user (the right of access): their state in the cache,
 * their learned preferences, their transitions in the replay buffer, and the lists and reactions
 * the log still holds (read back from disk beside the writer; the newest {@value #MAX_RECORDS}
 * of each, and the newest that fit in about 3 MiB in all).
 */
public final class UserExport {
  static final int MAX_RECORDS = 10_000;
  /** About what the returned lists and reactions take in the response, at most. */
  static final long MAX_BYTES = 3L << 20;

  private final UserStateStore users;
  private final ReplayBuffer replayBuffer;
  private final FeedbackProcessor processor;
  private final Function<UserState, double[]> learnedPreferences;

  /** What is stored; {@code state} empty when the cache holds none, {@code learned} empty when nothing was learned. */
  public record Exported(
      Optional<UserState> state,
      double[] learned,
      List<LogRecord> impressions,
      List<LogRecord> reactions,
      int transitions,
      boolean truncated) {
    public boolean found() {
      return state.isPresent() || !impressions.isEmpty() || !reactions.isEmpty() || transitions > 0;
    }
  }

  /** @param learnedPreferences the posterior mean a state's learning gives; an empty array for none */
  public UserExport(
      UserStateStore users, ReplayBuffer replayBuffer, FeedbackProcessor processor, Function<UserState, double[]> learnedPreferences) {
    this.users = users;
    this.replayBuffer = replayBuffer;
    this.processor = processor;
    this.learnedPreferences = learnedPreferences;
  }

  /** Throws {@link UnsupportedOperationException} where the log cannot be read back from here. */
  public Exported export(String userId) throws IOException {
    ArrayDeque<LogRecord> impressions = new ArrayDeque<>();
    ArrayDeque<LogRecord> reactions = new ArrayDeque<>();
    boolean[] truncated = {false};
    long[] bytes = {0};
    processor.log().readStored(record -> {
      ArrayDeque<LogRecord> kept = switch (record.getKindCase()) {
        case IMPRESSION -> userId.equals(record.getImpression().getUserId()) ? impressions : null;
        case FEEDBACK -> userId.equals(record.getFeedback().getUserId()) ? reactions : null;
        default -> null;
      };
      if (kept != null) {
        kept.addLast(record);
        bytes[0] += exportedBytes(record);
        if (kept.size() > MAX_RECORDS) {
          bytes[0] -= exportedBytes(kept.removeFirst());
          truncated[0] = true;
        }
        // Within the budget a client's default 4 MiB inbound limit takes: the oldest go first.
        while (bytes[0] > MAX_BYTES) {
          ArrayDeque<LogRecord> older = oldestFirst(impressions, reactions);
          bytes[0] -= exportedBytes(older.removeFirst());
          truncated[0] = true;
        }
      }
    });
    Optional<UserState> state = users.find(userId);
    double[] learned = state.map(learnedPreferences).orElse(new double[0]);
    int transitions = replayBuffer.count(t -> userId.equals(t.userId()));
    return new Exported(state, learned, List.copyOf(impressions), List.copyOf(reactions), transitions, truncated[0]);
  }

  /** Of the two, the one whose first record is the older (a non-empty one). */
  private static ArrayDeque<LogRecord> oldestFirst(ArrayDeque<LogRecord> a, ArrayDeque<LogRecord> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.peekFirst().getServerTimeMicros() <= b.peekFirst().getServerTimeMicros() ? a : b;
  }

  /** About the bytes a record takes in the export (its shown items, ids and time; not its candidates or state). */
  static long exportedBytes(LogRecord record) {
    if (record.hasImpression()) {
      long bytes = 32 + size(record.getImpression().getEventId()) + size(record.getImpression().getModelVersion());
      for (String item : record.getImpression().getItemIdsList()) {
        bytes += size(item) + 1;
      }
      return bytes;
    }
    return 32 + size(record.getFeedback().getEventId()) + size(record.getFeedback().getItemId());
  }

  /** The bytes {@code text} takes as a string field: its UTF-8 length with its length prefix. */
  private static int size(String text) {
    return CodedOutputStream.computeStringSizeNoTag(text);
  }
}
