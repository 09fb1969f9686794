package io.recsys.server.feedback;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.feedback.log.QuantizedVector;
import io.recsys.server.policy.ImpressionListener;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import io.recsys.server.user.UserStateUpdater;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback loop from a served list to a learning example. Every served list is remembered
 * (and logged) while its join window is open; a reaction is checked against it, made durable,
 * and only then applied: the user's state moves, a transition enters the replay buffer, and the
 * caller's acknowledgement completes. When the window closes, every shown item without a reaction
 * earns the no-feedback reward, exactly once.
 *
 * <p>Effects of accepted reactions run on one effects thread, in log order (so replaying the log
 * after a restart rebuilds the same user states, buffer and counters), off the log writer's thread
 * (so the next group commit need not wait for them). Its queue is bounded: when effects fall
 * behind, the writer waits, the log's queue fills, and the streams slow down.
 */
public final class FeedbackProcessor implements ImpressionListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedbackProcessor.class);
  private static final int MAX_ID_LENGTH = 256;

  /**
   * @param joinWindow how long after serving a list its reactions are joined to it
   * @param maxOpenImpressions bound of remembered lists; past it the oldest close early
   * @param learning whether reactions move user states; off, the server is a static scorer that
   *     still stores every reaction (and keeps disliked items out)
   */
  public record Settings(
      Duration joinWindow,
      int maxOpenImpressions,
      RewardFunction rewards,
      UserStateUpdater updater,
      boolean learning) {
    public Settings {
      if (joinWindow.isNegative() || joinWindow.isZero()) {
        throw new IllegalArgumentException("--join-window must be positive, got " + joinWindow);
      }
    }

    public static Settings defaults() {
      return new Settings(Duration.ofMinutes(5), 200_000, RewardFunction.defaults(), UserStateUpdater.defaults(), true);
    }
  }

  private final Supplier<CatalogSnapshot> catalog;
  private final UserStateStore users;
  private final ReplayBuffer replayBuffer;
  private final Clock clock;
  private final Settings settings;
  private final long windowMicros;
  private final ImpressionIndex open;
  private final AtomicLong durableFeedback = new AtomicLong();
  private final AtomicLong noFeedbackRewards = new AtomicLong();
  private final AtomicLong lostImpressionLogs = new AtomicLong();
  private final AtomicLong closedEarly = new AtomicLong();
  private final ThreadPoolExecutor effects;
  private volatile FeedbackLog feedbackLog;

  public FeedbackProcessor(
      Supplier<CatalogSnapshot> catalog,
      UserStateStore users,
      ReplayBuffer replayBuffer,
      Clock clock,
      Settings settings) {
    this.catalog = catalog;
    this.users = users;
    this.replayBuffer = replayBuffer;
    this.clock = clock;
    this.settings = settings;
    this.windowMicros = settings.joinWindow().toNanos() / 1_000;
    this.open = new ImpressionIndex(settings.maxOpenImpressions());
    this.effects =
        new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(65_536),
            runnable -> {
              Thread thread = new Thread(runnable, "feedback-effects");
              thread.setDaemon(true);
              return thread;
            },
            FeedbackProcessor::waitForRoom);
  }

  /** Backpressure instead of rejection: the submitting thread (the log writer) waits. */
  private static void waitForRoom(Runnable task, ThreadPoolExecutor executor) {
    if (executor.isShutdown()) {
      throw new RejectedExecutionException("the feedback processor is closed");
    }
    try {
      executor.getQueue().put(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while waiting for the effects queue", e);
    }
  }

  /** Starts taking lists and reactions; call after the log's records were {@link #replay}ed. */
  public void attach(FeedbackLog log) {
    this.feedbackLog = log;
  }

  // ---- Serving side

  @Override
  public void served(Recommendation recommendation, float[] states, int offset, int dimension) {
    long now = nowMicros();
    QuantizedVector state = StateCodec.encode(states, offset, dimension);
    List<String> items = new ArrayList<>(recommendation.items().size());
    float[] propensities = new float[recommendation.items().size()];
    for (ScoredItem item : recommendation.items()) {
      propensities[items.size()] = item.propensity();
      items.add(item.itemId());
    }
    Impression impression =
        new Impression(
            recommendation.eventId(), recommendation.userId(), items, recommendation.candidates(), propensities,
            recommendation.modelVersion(), now, state);
    open.add(impression).forEach(evicted -> closeEarly(evicted, now));
    ImpressionRecord.Builder record =
        ImpressionRecord.newBuilder()
            .setEventId(impression.eventId)
            .setUserId(impression.userId)
            .addAllItemIds(items)
            .addAllCandidateIds(impression.candidates)
            .setModelVersion(impression.modelVersion)
            .setUserState(state);
    for (float propensity : propensities) {
      record.addPropensities(propensity);
    }
    feedbackLog
        .append(LogRecord.newBuilder().setServerTimeMicros(now).setImpression(record).build())
        .whenComplete(
            (ok, error) -> {
              if (error != null && lostImpressionLogs.getAndIncrement() % 10_000 == 0) {
                log.warn("An impression could not be logged ({}); its feedback joins until a restart only", error.toString());
              }
            });
  }

  // ---- Feedback side

  /**
   * Checks, logs and applies one reaction. The future completes once the reaction is durable and
   * applied (ACCEPTED), at once if it is invalid (REJECTED) or a repeat (DUPLICATE, once the
   * original is durable); it fails with {@link LogUnavailableException} if the log cannot take it.
   */
  public CompletableFuture<FeedbackResult> submit(Reaction reaction) {
    String problem = validate(reaction);
    if (problem != null) {
      return CompletableFuture.completedFuture(FeedbackResult.rejected(problem));
    }
    Impression impression = open.get(reaction.eventId());
    if (impression == null) {
      return rejected(
          "unknown event_id '" + reaction.eventId() + "': never served, or its join window ("
              + settings.joinWindow().toSeconds() + " s) has closed");
    }
    if (!impression.userId.equals(reaction.userId())) {
      return rejected(
          "user_id '" + reaction.userId() + "' is not the user event '" + reaction.eventId() + "' was served to");
    }
    int position = impression.positionOf(reaction.itemId());
    if (position < 0) {
      return rejected("item_id '" + reaction.itemId() + "' was not in impression '" + reaction.eventId() + "'");
    }
    long now = nowMicros();
    int key = Impression.reactionKey(position, reaction.type().number());
    CompletableFuture<Void> durable;
    synchronized (impression) {
      if (impression.closed || now > impression.timeMicros + windowMicros) {
        return rejected("the join window of event '" + reaction.eventId() + "' has closed");
      }
      CompletableFuture<Void> earlier = impression.accepted.get(key);
      if (earlier != null) {
        return earlier.thenApply(ok -> FeedbackResult.DUPLICATE);
      }
      durable = feedbackLog.append(feedbackRecord(reaction, now));
      impression.accepted.put(key, durable);
      impression.reacted[position] = true;
    }
    return durable
        .thenApplyAsync(
            ok -> {
              apply(impression, position, reaction, now);
              return FeedbackResult.ACCEPTED;
            },
            effects)
        .whenComplete(
            (result, error) -> {
              if (error != null) {
                synchronized (impression) {
                  impression.accepted.remove(key, durable); // a retry may log it again
                }
              }
            });
  }

  private static CompletableFuture<FeedbackResult> rejected(String reason) {
    return CompletableFuture.completedFuture(FeedbackResult.rejected(reason));
  }

  private static String validate(Reaction reaction) {
    if (reaction.eventId().isEmpty()) {
      return "event_id is empty";
    }
    if (reaction.userId().isEmpty()) {
      return "user_id is empty";
    }
    if (reaction.itemId().isEmpty()) {
      return "item_id is empty";
    }
    if (reaction.eventId().length() > MAX_ID_LENGTH
        || reaction.userId().length() > MAX_ID_LENGTH
        || reaction.itemId().length() > MAX_ID_LENGTH) {
      return "ids are at most " + MAX_ID_LENGTH + " characters";
    }
    if (reaction.type() == null) {
      return "type is missing or unknown";
    }
    if (!(reaction.dwellSeconds() >= 0) || Double.isInfinite(reaction.dwellSeconds())) {
      return "dwell_seconds must be a finite number >= 0";
    }
    return null;
  }

  private static LogRecord feedbackRecord(Reaction reaction, long now) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(now)
        .setFeedback(
            FeedbackRecord.newBuilder()
                .setEventId(reaction.eventId())
                .setUserId(reaction.userId())
                .setItemId(reaction.itemId())
                .setType(reaction.type().number())
                .setDwellSeconds(reaction.dwellSeconds())
                .setClientTimeMicros(reaction.clientTimeMicros()))
        .build();
  }

  /** The effects of a durable reaction: counter, user state, transition (if joined). */
  private void apply(Impression impression, int position, Reaction reaction, long timeMicros) {
    durableFeedback.incrementAndGet();
    UserState next = users.update(reaction.userId(), state -> react(state, reaction));
    if (impression == null) {
      return;
    }
    replayBuffer.add(
        new Transition(
            impression.state,
            reaction.itemId(),
            position,
            settings.rewards().rewardOf(reaction.type(), reaction.dwellSeconds()),
            StateCodec.encode(next.vectorView()),
            impression.candidates,
            impression.propensities[position],
            impression.modelVersion,
            timeMicros));
  }

  private UserState react(UserState state, Reaction reaction) {
    CatalogSnapshot snapshot = catalog.get();
    int row = snapshot.rowOf(reaction.itemId());
    if (row < 0) {
      return state;
    }
    float[] item = snapshot.embedding(row);
    UserStateUpdater updater = settings.updater();
    if (!settings.learning()) {
      return reaction.type() == ReactionType.DISLIKE ? updater.remember(state, reaction.itemId()) : state;
    }
    return switch (reaction.type()) {
      case CLICK, LIKE, PURCHASE -> updater.attract(state, item, 1f);
      case DWELL -> updater.attract(state, item, settings.rewards().dwellFraction(reaction.dwellSeconds()));
      case SKIP -> updater.repel(state, item, 0.3f);
      case DISLIKE -> updater.block(state, reaction.itemId(), item);
    };
  }

  // ---- Join windows

  /** Closes every impression whose join window has passed; run about once a second. */
  public void expireJoinWindows() {
    long now = nowMicros();
    open.removeServedBefore(now - windowMicros).forEach(impression -> close(impression, now));
  }

  /** Gives every shown item without an in-window reaction the no-feedback reward, once. */
  /**
   * Closes an impression pushed out by the bound before its window ended: its silent items get
   * the no-feedback reward now, and a later reaction to it is rejected. Said in the log, since it
   * means the bound is too small for this traffic.
   */
  private void closeEarly(Impression impression, long timeMicros) {
    if (closedEarly.getAndIncrement() % 100_000 == 0) {
      log.warn(
          "Served lists closed before their join window ended ({} so far): more than --max-open-impressions ({})"
              + " were open; raise it or shorten --join-window-seconds", closedEarly.get(), settings.maxOpenImpressions());
    }
    close(impression, timeMicros);
  }

  private void close(Impression impression, long timeMicros) {
    List<Integer> silent = new ArrayList<>();
    synchronized (impression) {
      if (impression.closed) {
        return;
      }
      impression.closed = true;
      for (int position = 0; position < impression.reacted.length; position++) {
        if (!impression.reacted[position]) {
          silent.add(position);
        }
      }
    }
    if (silent.isEmpty()) {
      return;
    }
    QuantizedVector next = StateCodec.encode(users.stateOf(impression.userId).vectorView());
    for (int position : silent) {
      replayBuffer.add(
          new Transition(
              impression.state,
              impression.items.get(position),
              position,
              settings.rewards().noFeedbackReward(),
              next,
              impression.candidates,
              impression.propensities[position],
              impression.modelVersion,
              timeMicros));
      noFeedbackRewards.incrementAndGet();
    }
  }

  // ---- Recovery

  /**
   * Applies one logged record as if it were happening now, at the record's own time: join windows
   * that had closed by then close first. Feeding the whole log through here in order rebuilds the
   * open impressions, user states, replay buffer and counters.
   */
  public void replay(LogRecord record) {
    long time = record.getServerTimeMicros();
    open.removeServedBefore(time - windowMicros).forEach(impression -> close(impression, time));
    switch (record.getKindCase()) {
      case IMPRESSION -> replayImpression(record.getImpression(), time);
      case FEEDBACK -> replayFeedback(record.getFeedback(), time);
      default -> log.warn("Skipping a log record of unknown kind {}", record.getKindCase());
    }
  }

  private void replayImpression(ImpressionRecord record, long time) {
    float[] propensities = new float[record.getPropensitiesCount()];
    for (int i = 0; i < propensities.length; i++) {
      propensities[i] = record.getPropensities(i);
    }
    Impression impression =
        new Impression(
            record.getEventId(), record.getUserId(), record.getItemIdsList(), record.getCandidateIdsList(), propensities,
            record.getModelVersion(), time, record.getUserState());
    open.add(impression).forEach(evicted -> closeEarly(evicted, time));
    // The state logged with the list is the truth at that moment: resynchronise to it.
    float[] vector = StateCodec.decode(record.getUserState(), users.dimension());
    users.update(record.getUserId(), state -> state.withVector(vector));
  }

  private void replayFeedback(FeedbackRecord record, long time) {
    Reaction reaction =
        new Reaction(
            record.getEventId(), record.getUserId(), record.getItemId(),
            ReactionType.fromNumber(record.getType()), record.getDwellSeconds(), record.getClientTimeMicros());
    Impression impression = open.get(record.getEventId());
    int position = impression == null ? -1 : impression.positionOf(record.getItemId());
    if (position < 0) {
      apply(null, -1, reaction, time); // joined nothing we still hold: state and counter only
      return;
    }
    synchronized (impression) {
      impression.accepted.put(
          Impression.reactionKey(position, record.getType()), CompletableFuture.completedFuture(null));
      impression.reacted[position] = true;
    }
    apply(impression, position, reaction, time);
  }

  /** Lets queued effects finish; call after the log is closed (so nothing new arrives). */
  @Override
  public void close() {
    effects.shutdown();
    try {
      if (!effects.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("Feedback effects did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- Status

  public long durableFeedbackEvents() {
    return durableFeedback.get();
  }

  /** Served lists closed before their join window ended, pushed out by the bound. */
  public long closedEarly() {
    return closedEarly.get();
  }

  public long noFeedbackRewards() {
    return noFeedbackRewards.get();
  }

  public int openImpressions() {
    return open.size();
  }

  private long nowMicros() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }
}
