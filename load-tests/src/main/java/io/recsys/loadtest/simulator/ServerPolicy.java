package io.recsys.loadtest.simulator;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real server over gRPC: lists from RecommendBatch, reactions back over one StreamFeedback
 * call. Waits for the acknowledgements of a step before the next step, so each user's next list
 * can reflect their last reactions, as it would for a real user a moment later.
 */
final class ServerPolicy implements Policy {
  private static final int MAX_BATCH = 256;

  private final String name;
  private final RecsysClient client;
  private final FeedbackSession feedback;
  private final AtomicLong acknowledged = new AtomicLong();
  /** The diversity each list asks for (0: the plain list). */
  private final float diversity;
  private long sent;
  private List<String> lastEventIds = List.of();

  ServerPolicy(String name, String target) {
    this(name, target, 0);
  }

  /** @param diversity the RecommendRequest.diversity of every list */
  ServerPolicy(String name, String target, float diversity) {
    this.name = name;
    this.diversity = diversity;
    this.client = RecsysClient.builder(target).deadline(Duration.ofSeconds(30)).build();
    this.feedback = client.openFeedbackStream(ack -> acknowledged.incrementAndGet());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<List<String>> recommend(List<Integer> users, int k, long time) {
    List<List<String>> lists = new ArrayList<>(users.size());
    List<String> eventIds = new ArrayList<>(users.size());
    for (int from = 0; from < users.size(); from += MAX_BATCH) {
      List<RecommendRequest> requests = new ArrayList<>();
      for (int user : users.subList(from, Math.min(users.size(), from + MAX_BATCH))) {
        requests.add(RecommendRequest.newBuilder().setUserId(userId(user)).setK(k).setDiversity(diversity).build());
      }
      RecommendBatchResponse batch = client.recommendBatch(requests);
      for (RecommendResponse response : batch.getResponsesList()) {
        eventIds.add(response.getEventId());
        lists.add(response.getItemsList().stream().map(RecommendedItem::getItemId).toList());
      }
    }
    lastEventIds = eventIds;
    return lists;
  }

  @Override
  public void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions) {
    List<FeedbackEvent> events = new ArrayList<>();
    for (int u = 0; u < users.size(); u++) {
      for (int position = 0; position < reactions[u].length; position++) {
        if (reactions[u][position] != null) {
          events.add(
              FeedbackEvent.newBuilder()
                  .setEventId(lastEventIds.get(u))
                  .setUserId(userId(users.get(u)))
                  .setItemId(lists.get(u).get(position))
                  .setType(reactions[u][position])
                  .build());
        }
      }
    }
    try {
      for (int from = 0; from < events.size(); from += FeedbackSession.MAX_BATCH) {
        feedback.sendBatch(events.subList(from, Math.min(events.size(), from + FeedbackSession.MAX_BATCH)), Duration.ofSeconds(30));
      }
      sent += events.size();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (acknowledged.get() < sent) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(name + ": feedback not acknowledged within 30 s");
        }
        Thread.sleep(0, 200_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String userId(int user) {
    return "sim-user-" + user;
  }

  @Override
  public void close() {
    try {
      feedback.finish(Duration.ofSeconds(30));
    } catch (Exception e) {
      feedback.close();
    }
    client.close();
  }
}
