package io.recsys.loadtest.jmh;

import io.recsys.loadtest.BenchCatalog;
import io.recsys.server.learning.QNetwork;
import io.recsys.server.model.ItemSpaceSource;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.QNetworkModel;
import io.recsys.server.model.ScoreSelector;
import io.recsys.server.model.ServingModel;
import io.recsys.server.model.TopK;
import io.recsys.server.model.TopKSelection;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two ONNX stages on their own: the retrieval graph (W1: 100,000 items x 64 dims, top 200)
 * at batch 1, 8, 64 and 256 with either top-k selection, the two selections alone on the same
 * 100,000 given scores per user, and the Q-network over 100 candidates of 384 dims at batch 1
 * and 64.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScoringBenchmarks {
  @State(Scope.Benchmark)
  public static class Retrieval {
    @Param({"1", "8", "64", "256"})
    public int batch;

    @Param({"FULL", "BLOCKED"})
    public TopKSelection selection;

    ModelRegistry registry;
    ServingModel.Lease lease;
    float[] users;

    @Setup(Level.Trial)
    public void setUp() {
      int dim = 64;
      SplittableRandom random = new SplittableRandom(1);
      registry = new ModelRegistry(
          new OnnxRuntime(OnnxRuntime.Device.CPU, Runtime.getRuntime().availableProcessors()), ItemSpaceSource.contentOnly(0.1f),
          "popularity prior", BenchCatalog.random(100_000, dim, 1), selection);
      lease = registry.acquire();
      users = new float[batch * dim];
      for (int i = 0; i < users.length; i++) {
        users[i] = (float) (random.nextDouble() - 0.5);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      lease.close();
      registry.close();
    }
  }

  @Benchmark
  public TopK retrievalTop200(Retrieval state) {
    return state.lease.model().retrieval().topK(state.users, state.batch, 200);
  }

  /** Scores as the retrieval graph's MatMul leaves them (dot products of random unit vectors). */
  @State(Scope.Benchmark)
  public static class Selection {
    @Param({"1", "8", "64", "256"})
    public int batch;

    @Param({"FULL", "BLOCKED"})
    public TopKSelection selection;

    ScoreSelector selector;
    float[] scores;

    @Setup(Level.Trial)
    public void setUp() {
      int items = 100_000;
      selector = new ScoreSelector(new OnnxRuntime(OnnxRuntime.Device.CPU, Runtime.getRuntime().availableProcessors()), selection, items);
      SplittableRandom random = new SplittableRandom(3);
      float[] given = new float[batch * items];
      for (int i = 0; i < given.length; i++) {
        given[i] = (float) (random.nextGaussian() * 0.125);
      }
      scores = selector.padded(given, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      selector.close();
    }
  }

  @Benchmark
  public TopK selectTop200OfGivenScores(Selection state) {
    return state.selector.selectPadded(state.scores, state.batch, 200);
  }

  @State(Scope.Benchmark)
  public static class Ranking {
    @Param({"1", "64"})
    public int batch;

    QNetworkModel model;
    float[] states;
    float[] candidates;

    @Setup(Level.Trial)
    public void setUp() {
      int dim = 384;
      model = QNetworkModel.create(new OnnxRuntime(OnnxRuntime.Device.CPU, Runtime.getRuntime().availableProcessors()), "bench", QNetwork.initialised(dim, 32, 64, 32, 1).toWeights());
      SplittableRandom random = new SplittableRandom(2);
      states = new float[batch * dim];
      candidates = new float[batch * 100 * dim];
      for (int i = 0; i < states.length; i++) {
        states[i] = (float) (random.nextDouble() - 0.5);
      }
      for (int i = 0; i < candidates.length; i++) {
        candidates[i] = (float) (random.nextDouble() - 0.5);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      model.close();
    }
  }

  @Benchmark
  public float[] qNetwork100Candidates(Ranking state) {
    return state.model.qValues(state.states, state.candidates, state.batch, 100);
  }
}
