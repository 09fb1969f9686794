package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

/**
 * One {@link TopKSelection} alone in an ONNX Runtime session, over scores the caller gives: what
 * the JMH benchmark and the exactness tests run, so the two selections meet identical inputs
 * (the retrieval graph's MatMul never sees the padding, here nothing differs but the selection).
 */
public final class ScoreSelector implements AutoCloseable {
  private static final DirectBuffers SCORE_BUFFERS = new DirectBuffers();

  private final OnnxRuntime runtime;
  private final TopKSelection selection;
  private final int items;
  private final int columns;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;

  public ScoreSelector(OnnxRuntime runtime, TopKSelection selection, int items) {
    if (items < 1) {
      throw new IllegalArgumentException("a selection needs at least one item, got " + items);
    }
    this.runtime = runtime;
    this.selection = selection;
    this.items = items;
    this.columns = selection.paddedItems(items);
    OrtSession.SessionOptions options = null;
    try {
      options = runtime.newSessionOptions();
      this.session = runtime.environment().createSession(selection.exportAlone(items), options);
      this.options = options;
    } catch (OrtException e) {
      if (options != null) {
        options.close();
      }
      throw new IllegalStateException("cannot build the " + selection + " top-k session", e);
    }
  }

  /** The scores a call takes per user: the items, then padding that this class fills. */
  public int columns() {
    return columns;
  }

  /**
   * The best {@code k} (at most the item count) of each of {@code users} rows of {@code scores}
   * ({@code users x items}, row-major).
   */
  public TopK select(float[] scores, int users, int k) {
    if (scores.length != users * items) {
      throw new IllegalArgumentException("expected " + users + " x " + items + " scores, got " + scores.length);
    }
    return selectPadded(padded(scores, users), users, Math.min(k, items));
  }

  /** {@code scores} ({@code users x items}) with each row padded to {@link #columns()} by minus infinity. */
  public float[] padded(float[] scores, int users) {
    if (columns == items) {
      return scores;
    }
    float[] padded = new float[users * columns];
    Arrays.fill(padded, Float.NEGATIVE_INFINITY);
    for (int u = 0; u < users; u++) {
      System.arraycopy(scores, u * items, padded, u * columns, items);
    }
    return padded;
  }

  /** As {@link #select} over scores already {@code users x columns()}, padding included; k at most the item count. */
  public TopK selectPadded(float[] padded, int users, int k) {
    return selectPadded(padded, users, k, null);
  }

  /** As {@link #select}, each user taking only the rows its mask sets (see {@link RetrievalModel#topK(float[], int, int, BitSet[])}). */
  public TopK select(float[] scores, int users, int k, BitSet[] allowed) {
    return selectPadded(padded(scores, users), users, k, allowed);
  }

  private TopK selectPadded(float[] padded, int users, int k, BitSet[] allowed) {
    var env = runtime.environment();
    try (OnnxTensor input = OnnxTensor.createTensor(env, SCORE_BUFFERS.of(padded), new long[] {users, columns});
        OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1})) {
      Map<String, OnnxTensor> feeds =
          selection.usesK(items)
              ? Map.of(TopKSelection.GIVEN_SCORES, input, RetrievalGraph.K, kTensor)
              : Map.of(TopKSelection.GIVEN_SCORES, input);
      return SelectionRun.run(env, session, feeds, selection, users, items, k, allowed);
    } catch (OrtException e) {
      throw new IllegalStateException(selection + " top-k failed", e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the top-k session", e);
    } finally {
      options.close();
    }
  }
}
