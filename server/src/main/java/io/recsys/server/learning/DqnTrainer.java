package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.Transition;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Double DQN on the replay buffer: the online network picks the best next action among the
 * transition's candidates, the target network values it, the online network moves toward
 * {@code reward + gamma * that} under the Huber loss with Adam; the target network follows by a
 * soft update. One instance per training thread; {@link #step()} is one minibatch, in which each
 * distinct state and item is projected once per network.
 *
 * <p>Guarded against divergence, which bootstrapping with function approximation can fall into
 * (the targets are the network's own outputs, so an overshoot can feed itself): targets are
 * clamped into the {@link QRange} the rewards can reach, and a step whose loss is not finite or
 * whose Q values leave that range by far rolls both networks back to the last healthy weights,
 * with fresh optimiser state and half the learning rate.
 */
public final class DqnTrainer {
  private static final Logger log = LoggerFactory.getLogger(DqnTrainer.class);

  /**
   * @param nextActions candidates sampled for the max over next actions (all of them is costly)
   * @param targetUpdateRate soft-update share tau of the online weights per step
   */
  public record Settings(
      int projection,
      int hidden1,
      int hidden2,
      double learningRate,
      double gamma,
      double huberDelta,
      int batchSize,
      int nextActions,
      double targetUpdateRate) {
    public Settings {
      if (!(gamma >= 0 && gamma < 1)) {
        throw new IllegalArgumentException("gamma must be in [0, 1), got " + gamma);
      }
      if (batchSize < 1 || nextActions < 1) {
        throw new IllegalArgumentException("batch size and next actions must be >= 1");
      }
      if (!(targetUpdateRate > 0 && targetUpdateRate <= 1)) {
        throw new IllegalArgumentException("target update rate must be in (0, 1], got " + targetUpdateRate);
      }
    }

    public static Settings defaults() {
      return new Settings(32, 64, 32, 1e-3, 0.9, 1.0, 32, 4, 0.01);
    }
  }

  private final Settings settings;
  private final ReplayBuffer replay;
  private final Supplier<CatalogSnapshot> catalog;
  /** Healthy steps between checkpoints of the weights a divergence rolls back to. */
  private static final int CHECKPOINT_EVERY = 200;
  /** A rollback halves the learning rate, at most this many times. */
  private static final int MAX_HALVINGS = 6;

  private final QRange range;
  private final QNetwork online;
  private final QNetwork target;
  private final QNetwork lastHealthy;
  private Adam adam;
  private double learningRate;
  private int healthySteps;
  private volatile long divergences; // read by status calls
  private final HuberLoss loss;
  private final SplittableRandom random;
  private final QBatch onlineBatch;
  private final QBatch targetBatch;
  private final MinibatchVectors vectors;
  private final int[] onlineSlots;
  private final int[] targetSlots;
  private final double[] gradient;
  private double lastLoss = Double.NaN;
  private long transitionsSeen;

  /** @param range the values Q can reach under the server's rewards and {@code settings.gamma()} */
  public DqnTrainer(
      Settings settings, QRange range, ReplayBuffer replay, Supplier<CatalogSnapshot> catalog, int dimension, long seed) {
    this.settings = settings;
    this.range = range;
    this.replay = replay;
    this.catalog = catalog;
    this.online = QNetwork.initialised(dimension, settings.projection(), settings.hidden1(), settings.hidden2(), seed);
    this.target = online.copy();
    this.lastHealthy = online.copy();
    this.learningRate = settings.learningRate();
    this.adam = new Adam(online.weights().length, learningRate);
    this.loss = new HuberLoss(settings.huberDelta());
    this.random = new SplittableRandom(seed + 1);
    // Per transition the online network reads s, a, s' and the sampled candidates, the target s' and one candidate.
    int batch = settings.batchSize();
    int maxVectors = batch * (3 + settings.nextActions());
    this.onlineBatch = new QBatch(online, maxVectors, batch * (1 + settings.nextActions()));
    this.targetBatch = new QBatch(target, 2 * batch, batch);
    this.vectors = new MinibatchVectors(dimension, maxVectors);
    this.onlineSlots = new int[maxVectors];
    this.targetSlots = new int[maxVectors];
    this.gradient = new double[online.weights().length];
  }

  /** One minibatch step; false if the buffer is empty. */
  public boolean step() {
    List<Transition> batch = replay.sample(settings.batchSize(), random);
    if (batch.isEmpty()) {
      return false;
    }
    CatalogSnapshot snapshot = catalog.get();
    vectors.clear();
    onlineBatch.begin();
    targetBatch.begin();
    Arrays.fill(onlineSlots, -1);
    Arrays.fill(targetSlots, -1);
    double lossSum = 0;
    int used = 0;
    boolean plausible = true;
    for (Transition t : batch) {
      int row = snapshot.rowOf(t.itemId());
      if (row < 0) {
        continue; // the item left the catalog
      }
      double y = range.clamp(t.reward() + settings.gamma() * nextValue(snapshot, t));
      int pair = onlineBatch.pair(online(vectors.state(t.state())), online(vectors.item(snapshot, row)));
      double q = onlineBatch.q(pair);
      plausible &= !range.implausible(q);
      double error = q - y;
      lossSum += loss.value(error);
      onlineBatch.backward(pair, loss.derivative(error));
      used++;
    }
    if (used == 0) {
      return false;
    }
    if (!plausible || !Double.isFinite(lossSum)) {
      rollBack(lossSum / used);
      return true;
    }
    if (++healthySteps % CHECKPOINT_EVERY == 0) {
      lastHealthy.copyFrom(online);
    }
    onlineBatch.moveAverageGradientInto(gradient, used);
    adam.step(online.weights(), gradient);
    softUpdateTarget();
    lastLoss = lossSum / used;
    transitionsSeen += used;
    return true;
  }

  /** Double DQN: argmax over sampled candidates by the online network, value by the target network. */
  private double nextValue(CatalogSnapshot snapshot, Transition t) {
    List<String> candidates = t.candidates();
    if (candidates.isEmpty()) {
      return 0;
    }
    int next = vectors.state(t.nextState());
    double bestOnline = Double.NEGATIVE_INFINITY;
    int bestRow = -1;
    for (int i = 0; i < settings.nextActions(); i++) {
      int row = snapshot.rowOf(candidates.get(random.nextInt(candidates.size())));
      if (row < 0) {
        continue;
      }
      double q = onlineBatch.q(onlineBatch.pair(online(next), online(vectors.item(snapshot, row))));
      if (q > bestOnline) {
        bestOnline = q;
        bestRow = row;
      }
    }
    if (bestRow < 0) {
      return 0;
    }
    return targetBatch.q(targetBatch.pair(target(next), target(vectors.item(snapshot, bestRow))));
  }

  /** The online network's slot for the minibatch vector at {@code index}, projected on first use. */
  private int online(int index) {
    if (onlineSlots[index] < 0) {
      onlineSlots[index] = onlineBatch.add(vectors.get(index));
    }
    return onlineSlots[index];
  }

  /** Likewise for the target network. */
  private int target(int index) {
    if (targetSlots[index] < 0) {
      targetSlots[index] = targetBatch.add(vectors.get(index));
    }
    return targetSlots[index];
  }

  /** Back to the last healthy weights, with fresh optimiser moments and half the step size. */
  private void rollBack(double loss) {
    divergences = divergences + 1; // only this thread writes it
    online.copyFrom(lastHealthy);
    target.copyFrom(lastHealthy);
    if (divergences <= MAX_HALVINGS) {
      learningRate /= 2;
    }
    adam = new Adam(online.weights().length, learningRate);
    healthySteps = 0;
    lastLoss = Double.NaN;
    log.warn(
        "Q-network diverged (minibatch loss {}, Q values outside {} by far); rolled back to the last healthy weights,"
            + " learning rate now {} ({} divergences so far)",
        loss, range, learningRate, divergences);
  }

  private void softUpdateTarget() {
    double tau = settings.targetUpdateRate();
    double[] from = online.weights();
    double[] to = target.weights();
    for (int i = 0; i < to.length; i++) {
      to[i] = tau * from[i] + (1 - tau) * to[i];
    }
  }

  /** Continues from earlier weights (a restored version) instead of a fresh network. */
  public void startFrom(QNetwork network) {
    online.copyFrom(network);
    target.copyFrom(network);
    lastHealthy.copyFrom(network);
  }

  /** A copy of the online network, to become a candidate version. */
  public QNetwork snapshot() {
    return online.copy();
  }

  public double lastLoss() {
    return lastLoss;
  }

  public long transitionsSeen() {
    return transitionsSeen;
  }

  /** Steps that found the network diverged and rolled it back. */
  public long divergences() {
    return divergences;
  }

  public double learningRate() {
    return learningRate;
  }

}
