package io.recsys.server.feedback;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.feedback.log.QuantizedVector;
import io.recsys.server.policy.ImpressionListener;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.user.ReactionRule;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
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

  private final Supplier<CatalogSnapshot> catalog;
  private final UserStateStore users;
  private final ReplayBuffer replayBuffer;
  private final Clock clock;
  private final FeedbackSettings settings;
  private final ImpressionJoin join;
  private final AtomicLong durableFeedback = new AtomicLong();
  private final AtomicLong noFeedbackRewards = new AtomicLong();
  private final AtomicLong lostImpressionLogs = new AtomicLong();
  private final AtomicLong rejectedFeedback = new AtomicLong();
  private final AtomicLong duplicateFeedback = new AtomicLong();
  private final OrderedEffects effects;
  private final ReactionRule rule;
  private final OnlineUpdates online;
  private volatile FeedbackLog feedbackLog;

  /** Without a fast learner. */
  public FeedbackProcessor(
      Supplier<CatalogSnapshot> catalog,
      UserStateStore users,
      ReplayBuffer replayBuffer,
      Clock clock,
      FeedbackSettings settings) {
    this(catalog, users, replayBuffer, clock, settings, OnlineUpdates.NONE);
  }

  /** @param online told of every durable list and reaction, in log order */
  public FeedbackProcessor(
      Supplier<CatalogSnapshot> catalog,
      UserStateStore users,
      ReplayBuffer replayBuffer,
      Clock clock,
      FeedbackSettings settings,
      OnlineUpdates online) {
    this.online = online;
    this.catalog = catalog;
    this.users = users;
    this.replayBuffer = replayBuffer;
    this.clock = clock;
    this.settings = settings;
    this.join = new ImpressionJoin(settings.joinWindow(), settings.maxOpenImpressions(), this::settleSilent);
    this.effects = new OrderedEffects(65_536);
    this.rule = new ReactionRule(settings.updater(), settings.learning());
  }

  /** Starts taking lists and reactions; call after the log's records were {@link #replay}ed. */
  public void attach(FeedbackLog log) {
    this.feedbackLog = log;
  }

  // ---- Serving side

  @Override
  public void served(Recommendation recommendation, float[] states, int offset, int dimension) {
    long now = nowMicros();
    Impression impression = Impression.served(recommendation, StateCodec.encode(states, offset, dimension), now);
    join.open(impression, now);
    feedbackLog
        .append(LogRecords.of(impression))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                if (lostImpressionLogs.getAndIncrement() % 10_000 == 0) {
                  log.warn("An impression could not be logged ({}); its feedback joins until a restart only", error.toString());
                }
              } else {
                // Durable lists reach the learner in log order, like reactions: a replay rebuilds the same.
                runEffect(() -> online.shown(impression.userId, impression.items));
              }
            });
  }

  private void runEffect(Runnable effect) {
    try {
      effects.execute(effect);
    } catch (RejectedExecutionException e) {
      log.debug("Effect dropped at shutdown: {}", e.getMessage());
    }
  }

  // ---- Feedback side

  /**
   * Checks, logs and applies one reaction. The future completes once the reaction is durable and
   * applied (ACCEPTED), at once if it is invalid (REJECTED) or a repeat (DUPLICATE, once the
   * original is durable); it fails with {@link LogUnavailableException} if the log cannot take it.
   */
  public CompletableFuture<FeedbackResult> submit(Reaction reaction) {
    String problem = ReactionChecks.problemWith(reaction);
    if (problem != null) {
      return rejected(problem);
    }
    ImpressionJoin.Match match = join.match(reaction);
    if (match.problem() != null) {
      return rejected(match.problem());
    }
    Impression impression = match.impression();
    int position = match.position();
    int type = reaction.type().number();
    long now = nowMicros();
    ImpressionJoin.Claim claim =
        join.claim(impression, position, type, now, () -> feedbackLog.append(LogRecords.of(reaction, now)));
    if (claim instanceof ImpressionJoin.Claim.Repeat repeat) {
      duplicateFeedback.incrementAndGet();
      return repeat.original().thenApply(ok -> FeedbackResult.DUPLICATE);
    }
    if (!(claim instanceof ImpressionJoin.Claim.Logged logged)) {
      return rejected("the join window of event '" + reaction.eventId() + "' has closed");
    }
    CompletableFuture<Void> durable = logged.durable();
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
                join.release(impression, position, type, durable);
              }
            });
  }

  private CompletableFuture<FeedbackResult> rejected(String reason) {
    rejectedFeedback.incrementAndGet();
    return CompletableFuture.completedFuture(FeedbackResult.rejected(reason));
  }

  /** The effects of a durable reaction: counter, user state, transition (if joined). */
  private void apply(Impression impression, int position, Reaction reaction, long timeMicros) {
    durableFeedback.incrementAndGet();
    float strength = settings.rewards().dwellFraction(reaction.dwellSeconds());
    UserState next =
        users.update(
            reaction.userId(), state -> online.reacted(react(state, reaction), reaction.itemId(), position, reaction.type(), strength));
    if (impression == null) {
      return;
    }
    float reward = settings.rewards().rewardOf(reaction.type(), reaction.dwellSeconds());
    replayBuffer.add(impression.transition(position, reward, StateCodec.encode(next.vectorView()), timeMicros));
  }

  private UserState react(UserState state, Reaction reaction) {
    CatalogSnapshot snapshot = catalog.get();
    int row = snapshot.rowOf(reaction.itemId());
    if (row < 0) {
      return state;
    }
    return rule.apply(
        state, reaction.type(), reaction.itemId(), snapshot.embedding(row), settings.rewards().dwellFraction(reaction.dwellSeconds()));
  }

  // ---- Join windows

  /** Closes every impression whose join window has passed; run about once a second. */
  public void expireJoinWindows() {
    join.expire(nowMicros());
  }

  /** A list closed: every shown item without an in-window reaction gets the no-feedback reward. */
  private void settleSilent(Impression impression, List<Integer> silent, long timeMicros) {
    QuantizedVector next = StateCodec.encode(users.stateOf(impression.userId).vectorView());
    for (int position : silent) {
      replayBuffer.add(impression.transition(position, settings.rewards().noFeedbackReward(), next, timeMicros));
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
    join.expire(time);
    switch (record.getKindCase()) {
      case IMPRESSION -> replayImpression(record.getImpression(), time);
      case FEEDBACK -> replayFeedback(record.getFeedback(), time);
      default -> log.warn("Skipping a log record of unknown kind {}", record.getKindCase());
    }
  }

  private void replayImpression(ImpressionRecord record, long time) {
    Impression impression = LogRecords.impressionOf(record, time);
    join.open(impression, time);
    // The state logged with the list is the truth at that moment: resynchronise to it.
    float[] vector = StateCodec.decode(record.getUserState(), users.dimension());
    users.update(record.getUserId(), state -> state.withVector(vector));
    online.shown(impression.userId, impression.items);
  }

  private void replayFeedback(FeedbackRecord record, long time) {
    Reaction reaction = LogRecords.reactionOf(record);
    ImpressionJoin.Match match = join.match(reaction);
    if (match.problem() != null) {
      apply(null, -1, reaction, time); // joined nothing we still hold: state and counter only
      return;
    }
    join.claimReplayed(match.impression(), match.position(), record.getType());
    apply(match.impression(), match.position(), reaction, time);
  }

  /** Lets queued effects finish; call after the log is closed (so nothing new arrives). */
  @Override
  public void close() {
    effects.close();
  }

  // ---- Status

  public long durableFeedbackEvents() {
    return durableFeedback.get();
  }

  /** Served lists closed before their join window ended, pushed out by the bound. */
  /** Reactions refused as invalid (REJECTED) since start. */
  public long rejectedFeedbackEvents() {
    return rejectedFeedback.get();
  }

  /** Reactions that repeated one already accepted (DUPLICATE) since start. */
  public long duplicateFeedbackEvents() {
    return duplicateFeedback.get();
  }

  public long closedEarly() {
    return join.closedEarly();
  }

  public long noFeedbackRewards() {
    return noFeedbackRewards.get();
  }

  public int openImpressions() {
    return join.openImpressions();
  }

  private long nowMicros() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }
}
