package io.recsys.loadtest.chaos;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The checks made from outside the server: what a client can ask it, and what its log holds once
 * it stopped. An acknowledged event is <em>lost</em> when sending it again is not answered
 * DUPLICATE (the server no longer knows it) or when the log does not hold it; it is
 * <em>duplicated</em> when the log holds it more than once.
 */
final class Ledger {
  private Ledger() {}

  /** How a resend of acknowledged events was answered. */
  record Resend(int duplicate, int accepted, int rejected) {
    /** Acknowledged events the server did not know any more. */
    int lost() {
      return accepted + rejected;
    }
  }

  /** Sends {@code events} (all acknowledged before) again on a new stream and counts the answers. */
  static Resend resend(String target, Collection<FeedbackEvent> events) throws Exception {
    try (RecsysClient client = RecsysClient.builder(target).deadline(Duration.ofSeconds(10)).build()) {
      List<FeedbackAck> acks = new CopyOnWriteArrayList<>();
      FeedbackSession session = client.openFeedbackStream(acks::add);
      for (FeedbackEvent event : events) {
        session.send(event, Duration.ofSeconds(10));
      }
      session.finish(Duration.ofSeconds(60));
      int duplicate = 0;
      int accepted = 0;
      int rejected = 0;
      for (FeedbackAck ack : acks) {
        if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_DUPLICATE) {
          duplicate++;
        } else if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
          accepted++;
        } else {
          rejected++;
        }
      }
      rejected += events.size() - acks.size(); // unanswered
      return new Resend(duplicate, accepted, rejected);
    }
  }

  /** What the stopped server's log holds of the acknowledged events. */
  record LogScan(long feedbackRecords, int lost, int duplicated, int durableWithoutAck, Map<String, Integer> copies) {}

  /** Reads every feedback record of the log in {@code dataDir} and counts copies of each event. */
  static LogScan scan(Path dataDir, Set<String> acked, Set<String> sent) throws IOException {
    Map<String, Integer> copies = new HashMap<>();
    long records = SegmentedFeedbackLog.readAll(dataDir.resolve("feedback-log"), record -> {
      if (record.hasFeedback()) {
        var feedback = record.getFeedback();
        copies.merge(Workload.keyOf(feedback.getEventId(), feedback.getItemId(), feedback.getType()), 1, Integer::sum);
      }
    });
    int lost = 0;
    for (String key : acked) {
      if (!copies.containsKey(key)) {
        lost++;
      }
    }
    int duplicated = 0;
    int withoutAck = 0;
    for (Map.Entry<String, Integer> entry : copies.entrySet()) {
      duplicated += entry.getValue() - 1;
      if (!acked.contains(entry.getKey()) && sent.contains(entry.getKey())) {
        withoutAck++;
      }
    }
    return new LogScan(records, lost, duplicated, withoutAck, copies);
  }
}
