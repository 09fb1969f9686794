package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.Transition;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Double DQN on the replay buffer: the online network picks the best next action among the
 * transition's candidates, the target network values it, the online network moves toward
 * {@code reward + gamma * that} under the Huber loss with Adam; the target network follows by a
 * soft update. One instance per training thread; {@link #step()} is one minibatch, in which each
 * distinct state and item is projected once per network.
 */
public final class DqnTrainer {
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
  private final QNetwork online;
  private final QNetwork target;
  private final Adam adam;
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

  public DqnTrainer(Settings settings, ReplayBuffer replay, Supplier<CatalogSnapshot> catalog, int dimension, long seed) {
    this.settings = settings;
    this.replay = replay;
    this.catalog = catalog;
    this.online = QNetwork.initialised(dimension, settings.projection(), settings.hidden1(), settings.hidden2(), seed);
    this.target = online.copy();
    this.adam = new Adam(online.weights().length, settings.learningRate());
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
    for (Transition t : batch) {
      int row = snapshot.rowOf(t.itemId());
      if (row < 0) {
        continue; // the item left the catalog
      }
      double y = t.reward() + settings.gamma() * nextValue(snapshot, t);
      int pair = onlineBatch.pair(online(vectors.state(t.state())), online(vectors.item(snapshot, row)));
      double error = onlineBatch.q(pair) - y;
      lossSum += loss.value(error);
      onlineBatch.backward(pair, loss.derivative(error));
      used++;
    }
    if (used == 0) {
      return false;
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
}
