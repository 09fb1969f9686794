package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.model.QNetworkModel;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learning while serving, on one background thread: rounds of Double-DQN minibatch steps on the
 * replay buffer, then every so many steps a candidate version is built, judged by the safety gate,
 * and hot-swapped in or recorded as rejected. Bounded CPU share (sleeps in proportion to its work);
 * never touches a serving thread; pausable.
 *
 * @see LearningSettings#defaults() for the cadence that makes learning visible within a minute
 */
public final class LearningLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LearningLoop.class);

  private final LearningSettings settings;
  private final DqnTrainer trainer;
  private final ReplayBuffer replay;
  private final Supplier<CatalogSnapshot> catalog;
  private final ModelRegistry models;
  private final SafetyGate gate;
  private final ModelStore store;
  private final AtomicBoolean paused = new AtomicBoolean();
  private final int dimension;
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong gatePassed = new AtomicLong();
  private final AtomicLong gateRefused = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;
  private int nextVersion = 2;
  private long stepsAtLastCandidate;
  private long addedAtLastCandidate;

  public LearningLoop(
      LearningSettings settings,
      ReplayBuffer replay,
      Supplier<CatalogSnapshot> catalog,
      ModelRegistry models,
      SafetyGate gate,
      ModelStore store,
      QRange range,
      int dimension) {
    this.settings = settings;
    this.replay = replay;
    this.catalog = catalog;
    this.models = models;
    this.gate = gate;
    this.store = store;
    this.dimension = dimension;
    this.trainer = new DqnTrainer(settings.trainer(), range, replay, catalog, dimension, 17);
    restoreLastPublished();
    if (store.trainingPaused()) {
      paused.set(true);
      log.info("Training stays paused, as an operator left it (SetTrainingPaused or PinModelVersion)");
    }
    this.thread = new Thread(this::run, "dqn-trainer");
    this.thread.setDaemon(true);
    this.thread.setPriority(Thread.MIN_PRIORITY);
  }

  public void start() {
    thread.start();
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(settings.roundInterval().toMillis());
        if (paused.get() || replay.size() < settings.minReplay()) {
          continue;
        }
        // An idle server learns nothing new: once the steps owed since the last candidate are
        // done, training waits for new transitions, and no candidate comes from the same data.
        long added = replay.totalAdded();
        boolean fresh = added > addedAtLastCandidate;
        if (!fresh && steps.get() - stepsAtLastCandidate >= settings.candidateEverySteps()) {
          continue;
        }
        long start = System.nanoTime();
        for (int i = 0; i < settings.stepsPerRound() && !closed && !paused.get(); i++) {
          if (trainer.step()) {
            steps.incrementAndGet();
          }
        }
        if (fresh && steps.get() - stepsAtLastCandidate >= settings.candidateEverySteps()) {
          stepsAtLastCandidate = steps.get();
          addedAtLastCandidate = added;
          considerCandidate();
        }
        long busy = System.nanoTime() - start;
        TimeUnit.NANOSECONDS.sleep((long) (busy * (1 / settings.cpuShare() - 1)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("Training round failed; the live model keeps serving", e);
      }
    }
  }

  /**
   * Serves again what served before the restart: the last version the history records as live,
   * if its weights load; a damaged file is refused with a log line and the baseline serves.
   */
  private void restoreLastPublished() {
    List<ModelVersionInfo> history = store.versions();
    if (history.stream().noneMatch(info -> number(info.version()) == 1)) {
      // The baseline's time is when this data dir first served, not each restart's: recorded
      // once, it stays the oldest entry of ListModelVersions. A data dir from before this record
      // existed gets the time of its oldest version (the baseline served before any of them).
      ModelVersionInfo baseline = models.baseline();
      Instant firstServed =
          history.stream().map(ModelVersionInfo::createdAt).min(Instant::compareTo)
              .filter(oldest -> oldest.isBefore(baseline.createdAt()))
              .orElse(baseline.createdAt());
      try {
        record(new ModelVersionInfo(baseline.version(), baseline.state(), firstServed, baseline.description()));
        history = store.versions();
      } catch (java.io.IOException e) {
        log.warn("Could not record the baseline version in the model history: {}", e.toString());
      }
    }
    models.restoreHistory(history);
    for (ModelVersionInfo info : history) {
      nextVersion = Math.max(nextVersion, number(info.version()) + 1);
    }
    ModelVersionInfo last = null;
    for (ModelVersionInfo info : history) {
      if (info.state() == ModelVersionInfo.State.LIVE && number(info.version()) > 1) {
        last = info;
      }
    }
    if (last == null) {
      return;
    }
    try {
      QNetwork network = loadWeights(last.version());
      trainer.startFrom(network); // first: it refuses weights of other layer sizes
      models.publish(QNetworkModel.create(models.runtime(), last.version(), network.toWeights()), last);
      log.info("Restored model {} from the data dir", last.version());
    } catch (java.io.IOException | RuntimeException e) {
      log.error("Refusing to load model {}: {}; the content baseline serves instead", last.version(), e.getMessage());
      models.restoreHistory(List.of(models.baseline().withState(ModelVersionInfo.State.LIVE)));
    }
  }

  /** A stored version's weights, refused if they read states of another dimension than the catalog's. */
  private QNetwork loadWeights(String version) throws java.io.IOException {
    QNetwork network = store.loadWeights(version);
    if (network.dimension() != dimension) {
      throw new java.io.IOException("its state dimension is " + network.dimension() + ", the catalog's is " + dimension);
    }
    return network;
  }

  /** Records a state change durably; what the store's retention forgot leaves the registry's history too. */
  private void record(ModelVersionInfo info) throws java.io.IOException {
    models.forget(store.record(info));
  }

  private static int number(String version) {
    try {
      return Integer.parseInt(version.substring(1));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** Builds a version from the online network, lets the gate judge it, publishes or records it. */
  private synchronized void considerCandidate() {
    if (paused.get()) {
      return; // paused or pinned while this round ran: leave the operator's choice alone
    }
    String version = "v" + nextVersion++;
    QNetwork network = trainer.snapshot();
    QNetworkModel candidate = QNetworkModel.create(models.runtime(), version, network.toWeights());
    SafetyGate.Verdict verdict = gate.judge(candidate, replay.recent(settings.gateWindow()), catalog.get());
    String description =
        String.format(java.util.Locale.ROOT, "Double DQN after %d steps (loss %.4f); gate: %s", steps.get(), trainer.lastLoss(), verdict.reason());
    ModelVersionInfo info = new ModelVersionInfo(version, ModelVersionInfo.State.LIVE, Instant.now(), description);
    try {
      (verdict.publish() ? gatePassed : gateRefused).incrementAndGet();
      if (verdict.publish()) {
        store.saveWeights(version, network);
        ModelVersionInfo previous = models.liveVersionInfo();
        record(info);
        record(previous.withState(ModelVersionInfo.State.RETIRED));
        models.publish(candidate, info);
      } else {
        candidate.close();
        record(info.withState(ModelVersionInfo.State.REJECTED));
        models.recordRejected(info);
      }
    } catch (java.io.IOException e) {
      candidate.close();
      log.error("Could not store model {}; it does not go live", version, e);
    }
  }

  /**
   * Serves {@code version} again (the baseline "v1" or an earlier learned version) and pauses
   * training, so the trainer does not replace it; resuming training lets new versions through.
   *
   * @throws java.util.NoSuchElementException if no such version was ever recorded
   * @throws IllegalStateException if it was rejected or its weights cannot be loaded
   */
  public synchronized ModelVersionInfo pin(String version) throws java.io.IOException {
    ModelVersionInfo target = null;
    for (ModelVersionInfo info : models.versions()) {
      if (info.version().equals(version)) {
        target = info;
      }
    }
    if (target == null) {
      throw new java.util.NoSuchElementException("no model version '" + version + "'");
    }
    if (target.state() == ModelVersionInfo.State.REJECTED) {
      throw new IllegalStateException("model " + version + " was rejected by the safety gate and never served");
    }
    ModelVersionInfo previous = models.liveVersionInfo();
    ModelVersionInfo live = target.withState(ModelVersionInfo.State.LIVE);
    QNetworkModel ranker = null;
    if (number(version) > 1) {
      QNetwork network;
      try {
        network = loadWeights(version);
      } catch (java.io.IOException e) {
        log.error("Refusing to load model {}: {}; model {} keeps serving", version, e.getMessage(), previous.version());
        throw new IllegalStateException("model " + version + " cannot be loaded: " + e.getMessage(), e);
      }
      ranker = QNetworkModel.create(models.runtime(), version, network.toWeights());
    }
    boolean wasPaused = paused.getAndSet(true);
    try {
      store.setTrainingPaused(true);
      record(live);
      if (!previous.version().equals(version)) {
        record(previous.withState(ModelVersionInfo.State.RETIRED));
      }
    } catch (java.io.IOException | RuntimeException e) {
      if (ranker != null) {
        ranker.close();
      }
      paused.set(wasPaused);
      try {
        store.setTrainingPaused(wasPaused);
      } catch (java.io.IOException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    models.publish(ranker, live);
    log.info("Model {} pinned; training paused", version);
    return live;
  }

  public long trainerSteps() {
    return steps.get();
  }

  public long trainerDivergences() {
    return trainer.divergences();
  }

  /** Candidates the safety gate let go live since start. */
  public long gatePassed() {
    return gatePassed.get();
  }

  /** Candidates the safety gate held back since start. */
  public long gateRefused() {
    return gateRefused.get();
  }

  /** The last minibatch's loss (NaN before the first step). */
  public double lastLoss() {
    return trainer.lastLoss();
  }

  /** Pauses or resumes training, durably: a restart keeps the choice. */
  public synchronized void setPaused(boolean pause) throws java.io.IOException {
    store.setTrainingPaused(pause);
    paused.set(pause);
    log.info("Training {}", pause ? "paused" : "resumed");
  }

  public boolean isPaused() {
    return paused.get();
  }

  @Override
  public void close() throws Exception {
    closed = true;
    thread.interrupt();
    thread.join(5_000);
    store.close();
  }
}
