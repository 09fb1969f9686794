package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recsys.server.catalog.CatalogSnapshot;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * The retrieval stage over one catalog snapshot: the ONNX session of the retrieval graph with the
 * snapshot's embeddings as item matrix. Immutable; a catalog change makes a new instance. Used
 * through a {@link ServingModel} lease so a swap never closes the session under a running call.
 */
public final class RetrievalModel {
  private final String version;
  private final CatalogSnapshot catalog;
  private final SharedSession session;
  private final OnnxRuntime runtime;
  private static final DirectBuffers USER_BUFFERS = new DirectBuffers();

  private RetrievalModel(
      String version, CatalogSnapshot catalog, SharedSession session, OnnxRuntime runtime) {
    this.version = version;
    this.catalog = catalog;
    this.session = session;
    this.runtime = runtime;
  }

  /**
   * Builds the session for {@code catalog}: the content embeddings are the item matrix, the
   * popularity prior times {@code popularityWeight} the item bias.
   */
  static RetrievalModel create(
      OnnxRuntime runtime, String version, CatalogSnapshot catalog, float popularityWeight) {
    int items = catalog.size();
    int dim = catalog.dimension();
    float[] itemsByColumn = transpose(catalog.embeddingMatrix(), items, dim);
    float[] bias = catalog.popularityPrior().clone();
    for (int i = 0; i < bias.length; i++) {
      bias[i] *= popularityWeight;
    }
    var env = runtime.environment();
    OrtSession.SessionOptions options = null;
    // addExternalInitializers copies the tensors into the session, so they can go right away.
    // (addInitializer would share them, but ONNX Runtime 1.24 then still tries to read a
    // one-element initializer from its external file: a one-item catalog failed to load.)
    try (OnnxTensor matrix = OnnxTensor.createTensor(env, directBuffer(itemsByColumn), new long[] {dim, items});
        OnnxTensor itemBias = OnnxTensor.createTensor(env, directBuffer(bias), new long[] {items})) {
      options = runtime.newSessionOptions();
      options.addExternalInitializers(
          Map.of(RetrievalGraph.ITEM_MATRIX, matrix, RetrievalGraph.ITEM_BIAS, itemBias));
      OrtSession session = env.createSession(RetrievalGraph.export(dim, items), options);
      return new RetrievalModel(version, catalog, new SharedSession(session, options), runtime);
    } catch (OrtException e) {
      if (options != null) {
        options.close();
      }
      throw new IllegalStateException("cannot build the retrieval session for " + version, e);
    }
  }

  private static float[] transpose(float[] rowMajor, int rows, int columns) {
    float[] transposed = new float[rowMajor.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        transposed[c * rows + r] = rowMajor[r * columns + c];
      }
    }
    return transposed;
  }

  /** Initializers given to ONNX Runtime are used in place, so they must be direct. */
  private static FloatBuffer directBuffer(float[] values) {
    FloatBuffer buffer =
        java.nio.ByteBuffer.allocateDirect(values.length * Float.BYTES)
            .order(java.nio.ByteOrder.nativeOrder())
            .asFloatBuffer();
    buffer.put(values).flip();
    return buffer;
  }

  public String version() {
    return version;
  }

  public CatalogSnapshot catalog() {
    return catalog;
  }

  public int dimension() {
    return catalog.dimension();
  }

  /**
   * Scores {@code users} state vectors (row-major, {@code users x dimension()}) against the whole
   * catalog and returns the best {@code k} rows per user; {@code k} is capped at the catalog size.
   * The caller must hold a lease on this model.
   */
  public TopK topK(float[] userVectors, int users, int k) {
    int dim = dimension();
    if (userVectors.length != users * dim) {
      throw new IllegalArgumentException(
          "expected " + users + " x " + dim + " user values, got " + userVectors.length);
    }
    int kept = Math.min(k, catalog.size());
    if (users == 0 || kept <= 0) {
      return new TopK(0, new long[0], new float[0]);
    }
    var env = runtime.environment();
    try (OnnxTensor userTensor =
            OnnxTensor.createTensor(env, USER_BUFFERS.of(userVectors), new long[] {users, dim});
        OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {kept}), new long[] {1});
        OrtSession.Result result =
            session.session().run(Map.of(RetrievalGraph.USER_VECTORS, userTensor, RetrievalGraph.K, kTensor))) {
      FloatBuffer scores = ((OnnxTensor) result.get(RetrievalGraph.TOP_SCORES).orElseThrow()).getFloatBuffer();
      LongBuffer rows = ((OnnxTensor) result.get(RetrievalGraph.TOP_INDICES).orElseThrow()).getLongBuffer();
      float[] scoreArray = new float[scores.remaining()];
      scores.get(scoreArray);
      long[] rowArray = new long[rows.remaining()];
      rows.get(rowArray);
      return new TopK(kept, rowArray, scoreArray);
    } catch (OrtException e) {
      throw new IllegalStateException("retrieval failed on model " + version, e);
    }
  }

  /** One more reference for a holder that shares this model; false once it is closed. */
  boolean retain() {
    return session.tryAcquire();
  }

  /** Gives a reference back; the session closes with the last one. */
  void release() {
    session.release();
  }

  /** Gives up the creator's reference. */
  void retire() {
    session.release();
  }

  boolean isClosed() {
    return session.isClosed();
  }
}
