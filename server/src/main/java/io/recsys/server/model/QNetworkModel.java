package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recsys.server.catalog.CatalogSnapshot;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A Q-network version as an ONNX Runtime session: Q values of N candidates for B users per call. */
public final class QNetworkModel implements AutoCloseable {
  private final String version;
  private final int dimension;
  private final SharedSession session;
  private final OnnxRuntime runtime;
  private static final DirectBuffers STATE_BUFFERS = new DirectBuffers();
  private static final DirectBuffers CANDIDATE_BUFFERS = new DirectBuffers();

  private QNetworkModel(String version, int dimension, SharedSession session, OnnxRuntime runtime) {
    this.version = version;
    this.dimension = dimension;
    this.session = session;
    this.runtime = runtime;
  }

  public static QNetworkModel create(OnnxRuntime runtime, String version, QNetworkWeights network) {
    OrtSession.SessionOptions options = null;
    try {
      options = runtime.newSessionOptions();
      OrtSession session = runtime.environment().createSession(QNetworkGraph.export(network), options);
      return new QNetworkModel(version, network.dimension(), new SharedSession(session, options), runtime);
    } catch (OrtException e) {
      if (options != null) {
        options.close();
      }
      throw new IllegalStateException("cannot build the Q-network session for " + version, e);
    }
  }

  public String version() {
    return version;
  }

  /**
   * Q of every candidate: {@code states} is {@code [users, d]}, {@code candidates} {@code [users,
   * perUser, d]}, the result {@code [users, perUser]}, all row-major.
   */
  public float[] qValues(float[] states, float[] candidates, int users, int perUser) {
    if (states.length != users * dimension || candidates.length != users * perUser * dimension) {
      throw new IllegalArgumentException("states or candidates do not match " + users + " x " + perUser + " x " + dimension);
    }
    var env = runtime.environment();
    long start = System.nanoTime();
    try (OnnxTensor stateTensor = OnnxTensor.createTensor(env, STATE_BUFFERS.of(states), new long[] {users, dimension});
        OnnxTensor candidateTensor =
            OnnxTensor.createTensor(env, CANDIDATE_BUFFERS.of(candidates), new long[] {users, perUser, dimension});
        OnnxTensor k = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1}), new long[] {1});
        OrtSession.Result result =
            session.session().run(
                Map.of(QNetworkGraph.USER_STATES, stateTensor, QNetworkGraph.CANDIDATES, candidateTensor, QNetworkGraph.K, k),
                java.util.Set.of(QNetworkGraph.Q_VALUES))) {
      runtime.timings().record(OnnxTimings.Stage.QNETWORK, start);
      FloatBuffer q = ((OnnxTensor) result.get(QNetworkGraph.Q_VALUES).orElseThrow()).getFloatBuffer();
      float[] values = new float[q.remaining()];
      q.get(values);
      return values;
    } catch (OrtException e) {
      throw new IllegalStateException("Q-network inference failed on " + version, e);
    }
  }

  /**
   * Q of each user's candidates, given as catalog rows, in one call: {@code states} is {@code
   * [users, d]}. Users with fewer candidates than the most any user has are padded with zero
   * vectors whose values are dropped, so each user's values are those it would get alone (Q is
   * per pair). The result holds one array per user, as long as its candidate rows.
   */
  public List<float[]> qValues(CatalogSnapshot catalog, float[] states, List<int[]> candidateRows) {
    int users = candidateRows.size();
    int perUser = 0;
    for (int[] rows : candidateRows) {
      perUser = Math.max(perUser, rows.length);
    }
    List<float[]> values = new ArrayList<>(users);
    if (perUser == 0) {
      candidateRows.forEach(rows -> values.add(new float[0]));
      return values;
    }
    float[] matrix = catalog.embeddingMatrix();
    float[] candidates = new float[users * perUser * dimension];
    for (int u = 0; u < users; u++) {
      int[] rows = candidateRows.get(u);
      for (int c = 0; c < rows.length; c++) {
        System.arraycopy(matrix, rows[c] * dimension, candidates, (u * perUser + c) * dimension, dimension);
      }
    }
    float[] q = qValues(states, candidates, users, perUser);
    for (int u = 0; u < users; u++) {
      values.add(Arrays.copyOfRange(q, u * perUser, u * perUser + candidateRows.get(u).length));
    }
    return values;
  }

  boolean retain() {
    return session.tryAcquire();
  }

  void release() {
    session.release();
  }

  public boolean isClosed() {
    return session.isClosed();
  }

  /** Gives up the creator's reference (for a model that was never published). */
  @Override
  public void close() {
    session.release();
  }
}
