package io.recsys.loadtest.chaos;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Steady traffic against one server address, through every fault: Recommend calls for random
 * users at a paced rate, and a feedback stream of reactions to the lists they got (three distinct
 * events a list, so no event repeats another). It keeps what it sent and what came back ACCEPTED,
 * and when the last successful Recommend and the last acknowledgement arrived, from which the
 * chaos run reads recovery times. When the server goes away it keeps trying, as a client would.
 */
final class Workload implements AutoCloseable {
  private static final FeedbackType[] TYPES = {FeedbackType.FEEDBACK_TYPE_CLICK, FeedbackType.FEEDBACK_TYPE_LIKE, FeedbackType.FEEDBACK_TYPE_DWELL};
  private static final int K = 10;

  private final String target;
  private final int users;
  private final Duration listGap;
  private final SplittableRandom random;
  private record Served(String userId, RecommendResponse list) {}

  private final BlockingQueue<Served> served = new ArrayBlockingQueue<>(1_000);
  private final Map<String, FeedbackEvent> sent = new ConcurrentHashMap<>();
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final AtomicLong recommendFailed = new AtomicLong();
  private final AtomicLong lastRecommendOkNanos = new AtomicLong();
  private final AtomicLong lastAcceptedNanos = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicReference<RecsysClient> feedbackClient = new AtomicReference<>();
  private final RecsysClient recommendClient;
  private final Thread recommender;
  private final Thread reactor;
  private volatile boolean stopped;

  /** @param listsPerSecond the pace of Recommend calls (each followed by three reactions) */
  Workload(String target, int users, int listsPerSecond, long seed) {
    this.target = target;
    this.users = users;
    this.listGap = Duration.ofNanos(1_000_000_000L / listsPerSecond);
    this.random = new SplittableRandom(seed);
    this.recommendClient = client();
    this.feedbackClient.set(client());
    this.recommender = new Thread(this::recommendLoop, "chaos-recommend");
    this.reactor = new Thread(this::reactLoop, "chaos-feedback");
  }

  private RecsysClient client() {
    // Short deadlines and no retries: a refused call is counted, and the loops go on at once.
    return RecsysClient.builder(target).deadline(Duration.ofSeconds(2)).maxAttempts(1).build();
  }

  Workload start() {
    recommender.start();
    reactor.start();
    return this;
  }

  private void recommendLoop() {
    SplittableRandom users = random.split();
    while (!stopped) {
      long next = System.nanoTime() + listGap.toNanos();
      try {
        String user = "chaos-user-" + users.nextInt(this.users);
        RecommendResponse list = recommendClient.recommend(user, K);
        lastRecommendOkNanos.set(System.nanoTime());
        served.offer(new Served(user, list)); // full: reactions fell behind; this list goes without
      } catch (RuntimeException e) {
        recommendFailed.incrementAndGet();
      }
      sleepUntil(next);
    }
  }

  private void reactLoop() {
    SplittableRandom picks = random.split();
    FeedbackSession session = null;
    while (!stopped) {
      try {
        Served list = served.poll(100, TimeUnit.MILLISECONDS);
        if (list == null || list.list().getItemsCount() < TYPES.length) {
          continue;
        }
        if (session == null) {
          session = feedbackClient.get().openFeedbackStream(this::acknowledged);
        }
        for (FeedbackEvent event : reactionsTo(list, picks)) {
          sent.put(keyOf(event), event);
          session.send(event, Duration.ofSeconds(2));
        }
      } catch (IllegalStateException | io.grpc.StatusRuntimeException e) {
        session = null; // the stream ended (the server went away, or this client did): a new one for the next list
        pause(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static List<FeedbackEvent> reactionsTo(Served served, SplittableRandom picks) {
    RecommendResponse list = served.list();
    List<FeedbackEvent> events = new ArrayList<>(TYPES.length);
    int first = picks.nextInt(list.getItemsCount());
    for (int i = 0; i < TYPES.length; i++) {
      String item = list.getItems((first + i) % list.getItemsCount()).getItemId();
      events.add(FeedbackEvent.newBuilder()
          .setEventId(list.getEventId())
          .setUserId(served.userId())
          .setItemId(item)
          .setType(TYPES[i])
          .setDwellSeconds(TYPES[i] == FeedbackType.FEEDBACK_TYPE_DWELL ? 20 : 0)
          .build());
    }
    return events;
  }

  private void acknowledged(FeedbackAck ack) {
    if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
      acked.add(keyOf(ack.getEventId(), ack.getItemId(), ack.getType()));
      accepted.incrementAndGet();
      lastAcceptedNanos.set(System.nanoTime());
    }
  }

  /**
   * The client that streams feedback disappears mid-stream: its connection is torn down without a
   * half-close, as when its process dies; a new client takes over.
   */
  void feedbackClientVanishes() {
    RecsysClient gone = feedbackClient.getAndSet(client());
    gone.channel().shutdownNow();
  }

  /** Waits until a Recommend succeeded and an event was accepted, both after {@code sinceNanos}; returns when, or -1. */
  long awaitServingSince(long sinceNanos, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      long recommended = lastRecommendOkNanos.get();
      long accepted = lastAcceptedNanos.get();
      if (recommended > sinceNanos && accepted > sinceNanos) {
        return Math.max(recommended, accepted);
      }
      pause(10);
    }
    return -1;
  }

  long recommendFailures() {
    return recommendFailed.get();
  }

  /** Events acknowledged ACCEPTED so far. */
  long acceptedCount() {
    return accepted.get();
  }

  /** Every event sent so far, by key. */
  Map<String, FeedbackEvent> sent() {
    return Map.copyOf(sent);
  }

  /** Keys of every event acknowledged ACCEPTED so far. */
  Set<String> acked() {
    return Set.copyOf(acked);
  }

  static String keyOf(FeedbackEvent event) {
    return keyOf(event.getEventId(), event.getItemId(), event.getType());
  }

  static String keyOf(String eventId, String itemId, FeedbackType type) {
    return eventId + "|" + itemId + "|" + type.getNumber();
  }

  static String keyOf(String eventId, String itemId, int type) {
    return eventId + "|" + itemId + "|" + type;
  }

  private static void sleepUntil(long nanos) {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      pause(TimeUnit.NANOSECONDS.toMillis(left));
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    recommender.interrupt();
    reactor.interrupt();
    recommender.join(10_000);
    reactor.join(10_000);
    recommendClient.close();
    feedbackClient.get().close();
  }
}
