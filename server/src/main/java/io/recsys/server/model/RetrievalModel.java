package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recsys.server.catalog.CatalogSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The retrieval stage over one catalog snapshot and one learned item space: scores every item by
 * the user's content state against its content embedding plus the user's posterior mean against
 * its learned features, plus its bias, and keeps the top k, in one ONNX Runtime call per batch.
 * A user's input row is the content state followed by the posterior mean.
 *
 * <p>The content matrix lives in the session (it changes only with the catalog); with a learned
 * item space, the learned features and biases are tensors this instance owns and passes as inputs,
 * so {@link #withItemSpace} makes a successor that shares the session and swaps only those. Each
 * instance is reference-counted: the last release closes its tensors and gives back its hold on
 * the session, which closes with the last instance sharing it. Used through a {@link
 * ServingModel} lease so a swap never closes anything under a running call.
 */
public final class RetrievalModel {
  private static final DirectBuffers USER_BUFFERS = new DirectBuffers();
  private static final DirectBuffers LEARNED_BUFFERS = new DirectBuffers();

  private final String version;
  private final CatalogSnapshot catalog;
  private final ItemSpace items;
  private final SharedSession session;
  private final OnnxRuntime runtime;
  private final TopKSelection selection;
  /** The learned features {@code [l, N]} and bias {@code [N]}; null without a learned space. */
  private final OnnxTensor learnedItems;
  private final OnnxTensor learnedBias;
  private final RefCount references = new RefCount("retrieval model");

  /** Takes over one reference to {@code session} and ownership of the tensors. */
  private RetrievalModel(
      String version, CatalogSnapshot catalog, ItemSpace items, SharedSession session, OnnxRuntime runtime,
      TopKSelection selection, OnnxTensor learnedItems, OnnxTensor learnedBias) {
    this.version = version;
    this.selection = selection;
    this.catalog = catalog;
    this.items = items;
    this.session = session;
    this.runtime = runtime;
    this.learnedItems = learnedItems;
    this.learnedBias = learnedBias;
  }

  /** Builds the session for {@code catalog} and serves it with {@code space}, selecting the top k by {@code selection}. */
  static RetrievalModel create(
      OnnxRuntime runtime, String version, CatalogSnapshot catalog, ItemSpace space, TopKSelection selection) {
    checkCovers(catalog, space);
    int items = catalog.size();
    int columns = selection.paddedItems(items);
    int dim = catalog.dimension();
    Map<String, OnnxTensor> initializers = new HashMap<>();
    var env = runtime.environment();
    OrtSession.SessionOptions options = null;
    // addExternalInitializers copies the tensors into the session, so they can go right away.
    // (addInitializer would share them, but ONNX Runtime 1.24 then still tries to read a
    // one-element initializer from its external file: a one-item catalog failed to load.)
    try {
      byte[] graph;
      if (space.dimension() == 0) {
        // Folded (blocked): the bias is the matrix's last row; else its own initializer.
        float[] bias = space.biasVector();
        boolean folded = selection.foldsBias();
        int rows = folded ? dim + 1 : dim;
        initializers.put(
            RetrievalGraph.ITEM_MATRIX,
            OnnxTensor.createTensor(
                env, directBuffer(itemColumns(catalog.embeddingMatrix(), items, dim, columns, folded ? bias : null)), new long[] {rows, columns}));
        if (!folded) {
          initializers.put(RetrievalGraph.ITEM_BIAS, OnnxTensor.createTensor(env, directBuffer(bias), new long[] {columns}));
        }
        graph = RetrievalGraph.export(dim, items, selection);
      } else {
        initializers.put(
            RetrievalGraph.ITEM_MATRIX,
            OnnxTensor.createTensor(env, directBuffer(itemColumns(catalog.embeddingMatrix(), items, dim, columns, null)), new long[] {dim, columns}));
        graph = RetrievalGraph.exportLearned(dim, space.dimension(), items, selection);
      }
      options = runtime.newSessionOptions();
      options.addExternalInitializers(new HashMap<>(initializers));
      SharedSession session = new SharedSession(env.createSession(graph, options), options);
      return withTensors(runtime, version, catalog, space, session, selection);
    } catch (OrtException e) {
      if (options != null) {
        options.close();
      }
      throw new IllegalStateException("cannot build the retrieval session for " + version, e);
    } finally {
      initializers.values().forEach(OnnxTensor::close);
    }
  }

  /**
   * The same catalog and session with another learned item space of the same shape: no new
   * session, only the two learned tensors. A new instance with its own reference; this one is
   * unchanged.
   */
  RetrievalModel withItemSpace(ItemSpace space) {
    checkCovers(catalog, space);
    if (learnedItems == null || space.dimension() != items.dimension()) {
      return create(runtime, version, catalog, space, selection);
    }
    if (!session.tryAcquire()) {
      throw new IllegalStateException("the retrieval session of " + version + " was closed under its successor");
    }
    try {
      return withTensors(runtime, version, catalog, space, session, selection);
    } catch (OrtException | RuntimeException e) {
      session.release();
      throw new IllegalStateException("cannot publish the item space for " + version, e);
    }
  }

  private static RetrievalModel withTensors(
      OnnxRuntime runtime, String version, CatalogSnapshot catalog, ItemSpace space, SharedSession session, TopKSelection selection)
      throws OrtException {
    if (space.dimension() == 0) {
      return new RetrievalModel(version, catalog, space, session, runtime, selection, null, null);
    }
    var env = runtime.environment();
    int n = catalog.size();
    int columns = selection.paddedItems(n);
    int learned = space.dimension();
    if (selection.foldsBias()) { // the bias rides in the features' last row
      OnnxTensor features =
          OnnxTensor.createTensor(
              env, directBuffer(itemColumns(space.featureMatrix(), n, learned, columns, space.biasVector())), new long[] {learned + 1, columns});
      return new RetrievalModel(version, catalog, space, session, runtime, selection, features, null);
    }
    OnnxTensor features =
        OnnxTensor.createTensor(env, directBuffer(itemColumns(space.featureMatrix(), n, learned, columns, null)), new long[] {learned, columns});
    OnnxTensor bias = OnnxTensor.createTensor(env, directBuffer(space.biasVector()), new long[] {columns});
    return new RetrievalModel(version, catalog, space, session, runtime, selection, features, bias);
  }

  private static void checkCovers(CatalogSnapshot catalog, ItemSpace space) {
    if (space.rows() != catalog.size()) {
      throw new IllegalArgumentException(
          "the item space has " + space.rows() + " rows, catalog v" + catalog.version() + " " + catalog.size());
    }
  }

  /**
   * {@code rowMajor [rows, columns]} as {@code [columns, paddedRows]}, then, given a {@code bias},
   * one more row of it: the padding items are zero vectors whose bias is minus infinity, so they
   * score minus infinity and are never taken.
   */
  private static float[] itemColumns(float[] rowMajor, int rows, int columns, int paddedRows, float[] bias) {
    int height = bias == null ? columns : columns + 1;
    float[] transposed = new float[height * paddedRows];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        transposed[c * paddedRows + r] = rowMajor[r * columns + c];
      }
    }
    if (bias != null) {
      System.arraycopy(bias, 0, transposed, columns * paddedRows, rows);
      java.util.Arrays.fill(transposed, columns * paddedRows + rows, height * paddedRows, Float.NEGATIVE_INFINITY);
    }
    return transposed;
  }

  /**
   * Columns {@code [offset, offset + width)} of each of {@code users} rows of {@code values} (row
   * length {@code stride}), followed by a 1 when {@code withOne} (a folded graph's bias input).
   */
  private static float[] columnsOf(float[] values, int offset, int stride, int users, int width, boolean withOne) {
    int out = withOne ? width + 1 : width;
    float[] part = new float[users * out];
    for (int u = 0; u < users; u++) {
      System.arraycopy(values, u * stride + offset, part, u * out, width);
      if (withOne) {
        part[u * out + width] = 1;
      }
    }
    return part;
  }

  /** Tensors given to ONNX Runtime are used in place, so they must be direct. */
  private static FloatBuffer directBuffer(float[] values) {
    FloatBuffer buffer = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    buffer.put(values).flip();
    return buffer;
  }

  public String version() {
    return version;
  }

  public CatalogSnapshot catalog() {
    return catalog;
  }

  /** The learned item side this stage scores with. */
  public ItemSpace itemSpace() {
    return items;
  }

  /** A user input's length: the content state's dimension plus the learned space's. */
  public int dimension() {
    return catalog.dimension() + items.dimension();
  }

  /**
   * Scores {@code users} inputs (row-major, {@code users x dimension()}) against the whole catalog
   * and returns the best {@code k} rows per user; {@code k} is capped at the catalog size. The
   * caller must hold a lease on this model.
   */
  public TopK topK(float[] inputs, int users, int k) {
    return topK(inputs, users, k, null);
  }

  /**
   * As {@link #topK(float[], int, int)}, taking for each user only the rows its mask sets: {@code
   * allowed[u]} (null, or a null array: every row). The mask is applied inside the selection, so a
   * user still gets {@code k} rows whenever {@code k} rows are allowed; with fewer, the rest of its
   * ranks hold row -1.
   */
  public TopK topK(float[] inputs, int users, int k, BitSet[] allowed) {
    int dim = dimension();
    if (inputs.length != users * dim) {
      throw new IllegalArgumentException("expected " + users + " x " + dim + " user values, got " + inputs.length);
    }
    int kept = Math.min(k, catalog.size());
    if (users == 0 || kept <= 0) {
      return new TopK(0, new int[0], new float[0]);
    }
    int content = catalog.dimension();
    int learned = items.dimension();
    var env = runtime.environment();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      // The bias input (a trailing 1) goes with the last part a folded graph multiplies.
      int one = selection.foldsBias() ? 1 : 0;
      if (learned == 0) {
        float[] userRows = one == 0 ? inputs : columnsOf(inputs, 0, dim, users, content, true);
        feeds.put(RetrievalGraph.USER_VECTORS, OnnxTensor.createTensor(env, USER_BUFFERS.of(userRows), new long[] {users, content + one}));
      } else {
        float[] contentPart = columnsOf(inputs, 0, dim, users, content, false);
        float[] learnedPart = columnsOf(inputs, content, dim, users, learned, one == 1);
        feeds.put(RetrievalGraph.USER_VECTORS, OnnxTensor.createTensor(env, USER_BUFFERS.of(contentPart), new long[] {users, content}));
        feeds.put(RetrievalGraph.USER_LEARNED, OnnxTensor.createTensor(env, LEARNED_BUFFERS.of(learnedPart), new long[] {users, learned + one}));
      }
      if (selection.usesK(catalog.size())) {
        feeds.put(RetrievalGraph.K, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {kept}), new long[] {1}));
      }
      Map<String, OnnxTensor> run = new HashMap<>(feeds);
      if (learned > 0) {
        run.put(RetrievalGraph.LEARNED_ITEMS, learnedItems);
        if (learnedBias != null) {
          run.put(RetrievalGraph.ITEM_BIAS, learnedBias);
        }
      }
      long start = System.nanoTime();
      TopK top = SelectionRun.run(env, session.session(), run, selection, users, catalog.size(), kept, allowed);
      runtime.timings().record(OnnxTimings.Stage.RETRIEVAL, start);
      return top;
    } catch (OrtException e) {
      throw new IllegalStateException("retrieval failed on model " + version, e);
    } finally {
      feeds.values().forEach(OnnxTensor::close); // this call's inputs only; the learned tensors stay
    }
  }

  /** One more reference for a holder that shares this model; false once it is closed. */
  boolean retain() {
    return references.tryAcquire();
  }

  /** Gives a reference back; the last one closes the learned tensors and releases the session. */
  void release() {
    if (references.release()) {
      if (learnedItems != null) {
        learnedItems.close();
        if (learnedBias != null) {
          learnedBias.close();
        }
      }
      session.release();
    }
  }

  /** Gives up the creator's reference. */
  void retire() {
    release();
  }

  boolean isClosed() {
    return references.isZero();
  }
}
