package io.recsys.loadtest.feedback;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable feedback events per second on one StreamFeedback call: every event is distinct (its own
 * impression, item and type), so every one is written to the log and fsynced before its ACCEPTED
 * acknowledgement comes back.
 */
final class RecsysFeedbackBench {
  private static final FeedbackType[] TYPES = {
    FeedbackType.FEEDBACK_TYPE_CLICK, FeedbackType.FEEDBACK_TYPE_LIKE, FeedbackType.FEEDBACK_TYPE_PURCHASE,
    FeedbackType.FEEDBACK_TYPE_SKIP, FeedbackType.FEEDBACK_TYPE_DWELL
  };

  private RecsysFeedbackBench() {}

  /** Serves lists to {@code users} users until there are {@code count} distinct events to send. */
  static List<FeedbackEvent> distinctEvents(RecsysClient client, int count, int users, int k) {
    List<FeedbackEvent> events = new ArrayList<>(count);
    for (int round = 0; events.size() < count; round++) {
      String user = "bench-user-" + (round % users);
      RecommendResponse list = client.recommend(user, k);
      for (FeedbackType type : TYPES) {
        for (RecommendedItem item : list.getItemsList()) {
          if (events.size() < count) {
            events.add(
                FeedbackEvent.newBuilder()
                    .setEventId(list.getEventId())
                    .setUserId(user)
                    .setItemId(item.getItemId())
                    .setType(type)
                    .setDwellSeconds(type == FeedbackType.FEEDBACK_TYPE_DWELL ? 15 : 0)
                    .build());
          }
        }
      }
    }
    return events;
  }

  /**
   * Sends events [from, to) on one stream, {@code batch} per message (1: one message per event),
   * and returns accepted events per second.
   */
  static double eventsPerSecond(RecsysClient client, List<FeedbackEvent> events, int from, int to, int batch)
      throws Exception {
    AtomicLong accepted = new AtomicLong();
    AtomicLong other = new AtomicLong();
    long start = System.nanoTime();
    FeedbackSession session =
        client.openFeedbackStream(
            ack -> (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED ? accepted : other).incrementAndGet());
    for (int i = from; i < to; i += batch) {
      if (batch == 1) {
        session.send(events.get(i));
      } else {
        session.sendBatch(events.subList(i, Math.min(to, i + batch)), Duration.ofSeconds(30));
      }
    }
    session.finish(Duration.ofMinutes(5));
    double seconds = (System.nanoTime() - start) / 1e9;
    if (accepted.get() != to - from) {
      throw new IllegalStateException(
          "expected " + (to - from) + " ACCEPTED acknowledgements, got " + accepted.get() + " (+" + other.get() + " other)");
    }
    return (to - from) / seconds;
  }
}
