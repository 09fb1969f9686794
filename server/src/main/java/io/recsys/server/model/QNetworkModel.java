package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
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
    try (OnnxTensor stateTensor = OnnxTensor.createTensor(env, STATE_BUFFERS.of(states), new long[] {users, dimension});
        OnnxTensor candidateTensor =
            OnnxTensor.createTensor(env, CANDIDATE_BUFFERS.of(candidates), new long[] {users, perUser, dimension});
        OnnxTensor k = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1}), new long[] {1});
        OrtSession.Result result =
            session.session().run(
                Map.of(QNetworkGraph.USER_STATES, stateTensor, QNetworkGraph.CANDIDATES, candidateTensor, QNetworkGraph.K, k),
                java.util.Set.of(QNetworkGraph.Q_VALUES))) {
      FloatBuffer q = ((OnnxTensor) result.get(QNetworkGraph.Q_VALUES).orElseThrow()).getFloatBuffer();
      float[] values = new float[q.remaining()];
      q.get(values);
      return values;
    } catch (OrtException e) {
      throw new IllegalStateException("Q-network inference failed on " + version, e);
    }
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
