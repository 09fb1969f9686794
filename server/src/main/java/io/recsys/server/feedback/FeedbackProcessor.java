package io.recsys.server.feedback;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.feedback.log.QuantizedVector;
import io.recsys.server.policy.ImpressionListener;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.storage.snapshot.OpenListsEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import io.recsys.server.user.ReactionRule;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;
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
  /** A catalog row's id through the live catalog: how open lists and examples read their candidate rows. */
  private final IntFunction<String> idOfRow;
  private final UserStateStore users;
  private final ReplayBuffer replayBuffer;
  private final Clock clock;
  private final FeedbackSettings settings;
  private final ImpressionJoin join;
  private final ErasureFence erasures = new ErasureFence();
  private final AtomicLong durableFeedback = new AtomicLong();
  private final AtomicLong noFeedbackRewards = new AtomicLong();
  private final AtomicLong lostImpressionLogs = new AtomicLong();
  private final AtomicLong rejectedFeedback = new AtomicLong();
  private final AtomicLong duplicateFeedback = new AtomicLong();
  private final OrderedEffects effects;
  private final ReactionRule rule;
  private final OnlineUpdates online;
  private volatile FeedbackLog feedbackLog;
  private static final String DURABLE_COUNTER = "durable-feedback-events";
  private static final String SILENT_COUNTER = "no-feedback-rewards";
  private static final int OPEN_LISTS_PER_ENTRY = 10_000;
  /**
   * The log sequence number the next applied record has: records replayed or applied live, in log
   * order, on the replaying thread and then the effects thread only (read by a snapshot there).
   */
  private long appliedRecords;
  /** Records before this one are replayed only to rebuild the join windows (a snapshot holds their effects). */
  private long rebuildJoinUntil;
  /** The lists open at the snapshot, re-opened while replaying the records before {@link #rebuildJoinUntil}. */
  private final Set<String> reopen = new HashSet<>();

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
    this.idOfRow = row -> catalog.get().item(row).id();
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
    // Where the log goes on numbering: past a gap it left (see SegmentedFeedbackLog.open), too.
    this.appliedRecords = log.recordCount();
    this.reopen.clear();
    this.feedbackLog = log;
  }

  // ---- Serving side

  @Override
  public void served(Recommendation recommendation, UserState scoredWith, float[] states, int offset, int dimension) {
    // A list ranked for the state of a user being forgotten is never stored.
    erasures.unlessMarked(scoredWith.lineage(), () -> log(recommendation, scoredWith.lineage(), states, offset, dimension));
  }

  private void log(Recommendation recommendation, long lineage, float[] states, int offset, int dimension) {
    long now = nowMicros();
    Impression impression =
        Impression.served(recommendation, StateCodec.encode(states, offset, dimension), now, catalog.get(), idOfRow);
    impression.lineage = lineage;
    join.open(impression, now);
    CompletableFuture<Void> durable = new CompletableFuture<>();
    durable.whenComplete(
        (ok, error) -> {
          if (error != null) {
            if (lostImpressionLogs.getAndIncrement() % 10_000 == 0) {
              log.warn("An impression could not be logged ({}); its feedback joins until a restart only", error.toString());
            }
          } else {
            // Durable lists reach the learner in log order, like reactions: a replay rebuilds the same.
            runEffect(() -> {
              online.shown(impression.userId, impression.items);
              impression.sequence = appliedRecords++;
            });
          }
        });
    feedbackLog.append(impression.userId, LogRecords.encode(impression), durable); // chained first: the effect is queued in log order
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
    CompletableFuture<Void> durable = new CompletableFuture<>();
    // Chained before the record is handed to the log, so the effect is queued on the log's thread, in log order.
    CompletableFuture<FeedbackResult> applied =
        durable.thenApplyAsync(
            ok -> {
              appliedRecords++;
              if (!impression.markApplied(position, type)) {
                duplicateFeedback.incrementAndGet(); // another replica's copy came first in the log
                return FeedbackResult.DUPLICATE;
              }
              apply(impression, position, reaction, now);
              return FeedbackResult.ACCEPTED;
            },
            effects);
    ImpressionJoin.Claim claim =
        join.claim(impression, position, type, now, () -> {
          feedbackLog.append(LogRecords.of(reaction, now), durable);
          return durable;
        });
    if (claim instanceof ImpressionJoin.Claim.Repeat repeat) {
      duplicateFeedback.incrementAndGet();
      return repeat.original().thenApply(ok -> FeedbackResult.DUPLICATE);
    }
    if (!(claim instanceof ImpressionJoin.Claim.Logged)) {
      return rejected("the join window of event '" + reaction.eventId() + "' has closed");
    }
    return applied
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

  // ---- Forgetting a user

  /**
   * What forgetting a user erased: log records, open lists, replay transitions, and whether they
   * had a state (with their posterior).
   */
  public record Forgotten(long logRecords, int openLists, int transitions, boolean state) {
    public boolean found() {
      return logRecords > 0 || openLists > 0 || transitions > 0 || state;
    }
  }

  /**
   * Erases {@code userId}: first their open lists are closed and dropped (no silent reward is
   * settled, and a reaction to one is refused from then on: every reaction accepted before has
   * its record queued already); then the log's records of theirs are erased, and before any later
   * record commits, on the effects thread (after the effects of every erased record), their
   * transitions leave the replay buffer and their state and posterior the cache. Snapshots still
   * hold the user until the next ones are taken ({@link UserErasure} takes them).
   */
  public CompletableFuture<Forgotten> forget(String userId) {
    if (!feedbackLog.canErase()) {
      return CompletableFuture.failedFuture(FeedbackLog.cannotErase()); // before anything changes
    }
    // Lists being ranked for the user's present state are not logged from here on; one logged
    // already is in the log's queue, and so erased below.
    users.find(userId).ifPresent(state -> erasures.mark(state.lineage()));
    int lists = join.forget(userId);
    // Transitions restored from a snapshot older than their user_id field carry no user: those
    // of the user's erased events go too.
    Set<String> events = ConcurrentHashMap.newKeySet();
    int[] transitions = {0};
    boolean[] state = {false};
    Runnable inMemory = () -> {
      transitions[0] = replayBuffer.removeIf(t -> userId.equals(t.userId()) || (t.userId().isEmpty() && events.contains(t.eventId())));
      state[0] = users.remove(userId);
    };
    Predicate<LogRecord> theirs = record -> {
      if (!userId.equals(LogRecords.userOf(record))) {
        return false;
      }
      events.add(record.hasImpression() ? record.getImpression().getEventId() : record.getFeedback().getEventId());
      return true;
    };
    return feedbackLog
        .erase(theirs, () -> CompletableFuture.runAsync(inMemory, effects).join())
        .thenApply(records -> new Forgotten(records, lists, transitions[0], state[0]));
  }

  /** The log this processor appends to (its stored records are what an export reads back). */
  public FeedbackLog log() {
    return feedbackLog;
  }

  // ---- Join windows

  /**
   * Closes every impression whose join window has passed; run about once a second. It runs on the
   * effects thread, as every other change of the replay buffer does, so a snapshot taken there
   * never holds a list both open and settled. Completes once done.
   */
  public CompletableFuture<Void> expireJoinWindows() {
    try {
      return CompletableFuture.runAsync(() -> join.expire(nowMicros()), effects);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A list closed: every shown item without an in-window reaction gets the no-feedback reward. */
  private void settleSilent(Impression impression, List<Integer> silent, long timeMicros) {
    if (impression.lineage >= 0 && erasures.isMarked(impression.lineage)) {
      return; // pushed out by the bound while its user was being forgotten: nothing of it is kept
    }
    QuantizedVector next = StateCodec.encode(users.stateOf(impression.userId).vectorView());
    for (int position : silent) {
      replayBuffer.add(impression.transition(position, settings.rewards().noFeedbackReward(), next, timeMicros));
      noFeedbackRewards.incrementAndGet();
    }
  }

  // ---- Recovery

  /**
   * Prepares a replay that starts from a snapshot: records from {@code joinFrom} up to {@code
   * logPosition} only re-open the lists that were open at the snapshot and re-claim their
   * reactions (the snapshot holds their effects, so nothing is applied twice, and no window
   * closes meanwhile, so no list is settled twice); records from {@code logPosition} on are
   * replayed in full. Call after the snapshot's parts were restored, before the first {@link
   * #replay}.
   */
  public void resumeFrom(long joinFrom, long logPosition) {
    if (joinFrom > logPosition) {
      throw new IllegalArgumentException("join-from " + joinFrom + " is after the snapshot's log position " + logPosition);
    }
    appliedRecords = joinFrom;
    rebuildJoinUntil = logPosition;
  }

  /**
   * Applies one logged record as if it were happening now, at the record's own time: join windows
   * that had closed by then close first. Feeding the whole log through here in order rebuilds the
   * open impressions, user states, replay buffer and counters.
   */
  public void replay(LogRecord record) {
    replay(record, true, appliedRecords >= rebuildJoinUntil);
  }

  /**
   * As {@link #replay}, for a log that other replicas append to as well (a Kafka topic): a list's
   * logged user state is not adopted, since the replica that served it may not yet have read the
   * user's latest reactions, which this one already applied; the state follows the reactions alone.
   * A record a snapshot already holds ({@code inSnapshot}, the log knows by its partition's offset)
   * only re-opens a list that was open at the snapshot and re-claims its reactions.
   */
  public void replayShared(LogRecord record, boolean inSnapshot) {
    replay(record, false, !inSnapshot);
  }

  /**
   * A record another replica appended to the shared log, read while serving: applied as {@link
   * #replayShared(LogRecord, boolean)} does, on the effects thread, queued in the order the log delivers it.
   */
  public void applyShared(LogRecord record) {
    runEffect(() -> replay(record, false, true));
  }

  private void replay(LogRecord record, boolean adoptLoggedStates, boolean applied) {
    long sequence = appliedRecords++;
    long time = record.getServerTimeMicros();
    if (applied) {
      join.expire(time);
    }
    switch (record.getKindCase()) {
      case IMPRESSION -> replayImpression(record.getImpression(), time, sequence, applied, adoptLoggedStates);
      case FEEDBACK -> replayFeedback(record.getFeedback(), time, applied);
      case ERASED -> { } // a forgotten user's record: its place only
      default -> log.warn("Skipping a log record of unknown kind {}", record.getKindCase());
    }
  }

  private void replayImpression(ImpressionRecord record, long time, long sequence, boolean apply, boolean adoptLoggedState) {
    if (!apply && !reopen.contains(record.getEventId())) {
      return; // closed (and settled) before the snapshot
    }
    Impression held = join.openList(record.getEventId());
    if (held != null && held.sequence < 0) {
      // This replica's own list, whose append timed out before it was read back: it is open since
      // serving, with its claims; the record makes it applied, as its read-back would have.
      held.sequence = sequence;
      if (apply) {
        online.shown(held.userId, held.items);
      }
      return;
    }
    Impression impression = LogRecords.impressionOf(record, time, catalog.get(), idOfRow);
    impression.sequence = sequence;
    join.open(impression, time);
    if (!apply) {
      return;
    }
    if (adoptLoggedState) {
      // One writer: the state logged with the list is the truth at that moment; resynchronise to it.
      float[] vector = StateCodec.decode(record.getUserState(), users.dimension());
      users.update(record.getUserId(), state -> state.withVector(vector));
    }
    online.shown(impression.userId, impression.items);
  }

  private void replayFeedback(FeedbackRecord record, long time, boolean apply) {
    Reaction reaction = LogRecords.reactionOf(record);
    ImpressionJoin.Match match = join.match(reaction);
    if (match.problem() != null) {
      if (apply) {
        apply(null, -1, reaction, time); // joined nothing we still hold: state and counter only
      }
      return;
    }
    join.claimReplayed(match.impression(), match.position(), record.getType());
    if (!match.impression().markApplied(match.position(), record.getType())) {
      if (apply) {
        duplicateFeedback.incrementAndGet(); // a second copy of one reaction in the log: the first applied
      }
      return;
    }
    if (apply) {
      apply(match.impression(), match.position(), reaction, time);
    }
  }

  // ---- Snapshots

  /**
   * What a snapshot holds of the feedback loop, taken at one log position; see {@link #capture}.
   *
   * @param partitionOffsets with a partitioned log (Kafka), the next offset of every partition at
   *     the capture; empty for the local log, whose position is {@code logPosition}
   */
  public record Captured(long logPosition, long joinFrom, List<Long> partitionOffsets, List<SnapshotPart.Saved> parts) {
    public Captured {
      partitionOffsets = List.copyOf(partitionOffsets);
    }

    /** The same capture, taken where a partitioned log stood at {@code offsets}. */
    public Captured atPartitionOffsets(List<Long> offsets) {
      return new Captured(logPosition, joinFrom, offsets, parts);
    }
  }

  /**
   * Captures every part on the effects thread, between two effects: then every durable record
   * before {@code logPosition} is applied and none after it, since effects run in log order. The
   * processor's own part (its counters) and the replay buffer's come first.
   */
  public CompletableFuture<Captured> capture(List<SnapshotPart> parts) {
    try {
      return CompletableFuture.supplyAsync(() -> captureNow(parts), effects);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The same capture once the processor is closed (its effects thread has finished): at a
   * graceful shutdown, so the next start replays nothing.
   */
  public Captured captureClosed(List<SnapshotPart> parts) {
    if (!effects.isTerminated()) {
      throw new IllegalStateException("the feedback effects are still running; use capture()");
    }
    return captureNow(parts);
  }

  /**
   * The processor's own parts, then {@code parts}, then the open lists (their event ids, and the
   * oldest one's log record); on the effects thread, or once it has finished.
   */
  private Captured captureNow(List<SnapshotPart> parts) {
    List<SnapshotPart.Saved> saved = new ArrayList<>(parts.size() + 3);
    ownParts().forEach(part -> saved.add(part.capture()));
    parts.forEach(part -> saved.add(part.capture()));
    long position = appliedRecords;
    List<Impression> open = join.openApplied();
    long joinFrom = position;
    List<String> eventIds = new ArrayList<>(open.size());
    for (Impression impression : open) {
      joinFrom = Math.min(joinFrom, impression.sequence);
      eventIds.add(impression.eventId);
    }
    saved.add(out -> {
      for (int from = 0; from < eventIds.size(); from += OPEN_LISTS_PER_ENTRY) {
        List<String> chunk = eventIds.subList(from, Math.min(eventIds.size(), from + OPEN_LISTS_PER_ENTRY));
        out.accept(SnapshotEntry.newBuilder().setOpenLists(OpenListsEntry.newBuilder().addAllEventIds(chunk)).build());
      }
    });
    return new Captured(position, joinFrom, List.of(), saved);
  }

  /** Parts of a snapshot this processor restores itself: its counters and the replay buffer. */
  public List<SnapshotPart> ownParts() {
    return List.of(counters, new ReplayBufferSnapshots(replayBuffer));
  }

  private final SnapshotPart counters =
      new SnapshotPart() {
        @Override
        public Saved capture() {
          long durable = durableFeedback.get();
          long silent = noFeedbackRewards.get();
          return out -> {
            out.accept(SnapshotPart.counter(DURABLE_COUNTER, durable));
            out.accept(SnapshotPart.counter(SILENT_COUNTER, silent));
          };
        }

        @Override
        public boolean restore(SnapshotEntry entry) {
          if (entry.hasOpenLists()) {
            reopen.addAll(entry.getOpenLists().getEventIdsList());
            return true;
          }
          if (!entry.hasCounter()) {
            return false;
          }
          switch (entry.getCounter().getName()) {
            case DURABLE_COUNTER -> durableFeedback.set(entry.getCounter().getValue());
            case SILENT_COUNTER -> noFeedbackRewards.set(entry.getCounter().getValue());
            default -> {
              return false;
            }
          }
          return true;
        }
      };

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
