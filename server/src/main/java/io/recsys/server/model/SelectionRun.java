package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.BitSet;
import java.util.Map;

/**
 * Runs a graph finished by {@link TopKSelection#finish} and returns its k best per user. For
 * {@link TopKSelection#FULL} that is the graph's own TopK outputs; for {@link
 * TopKSelection#BLOCKED} the graph writes its scores and block maxima into reused direct buffers
 * (pinned outputs: no allocation, no copy out of ONNX Runtime) and {@link BlockTopK} selects from
 * them. The buffers come from a small pool, not one set per thread: the scores of a batch are
 * large (64 users x 100,000 items is 25 MB) and RecommendBatch calls score on any gRPC thread.
 */
final class SelectionRun {
  /** Buffer sets kept for reuse: the batcher's and one RecommendBatch call's (64 x 1,000,000 items is 256 MB of direct memory). */
  private static final int POOLED = 2;
  private static final java.util.concurrent.BlockingQueue<Buffers> POOL = new java.util.concurrent.ArrayBlockingQueue<>(POOLED);

  private SelectionRun() {}

  static TopK run(
      OrtEnvironment env, OrtSession session, Map<String, ? extends OnnxTensor> feeds, TopKSelection selection, int users, int items, int k)
      throws OrtException {
    return run(env, session, feeds, selection, users, items, k, null);
  }

  /**
   * @param feeds the graph's inputs, {@code k} included when {@link TopKSelection#usesK}
   * @param k at most {@code items}
   * @param allowed per user, the rows it may get (null entries, or null: every row)
   */
  static TopK run(
      OrtEnvironment env, OrtSession session, Map<String, ? extends OnnxTensor> feeds, TopKSelection selection, int users, int items, int k,
      BitSet[] allowed)
      throws OrtException {
    int block = selection.blockSize(items);
    if (block == 1) {
      if (masked(allowed)) {
        // The graph's TopK knows no mask: rank every row, keep each user's first k allowed ones.
        return maskedRanking(env, session, feeds, users, items, k, allowed);
      }
      try (OrtSession.Result result = session.run(feeds)) {
        FloatBuffer scores = ((OnnxTensor) result.get(RetrievalGraph.TOP_SCORES).orElseThrow()).getFloatBuffer();
        LongBuffer rows = ((OnnxTensor) result.get(RetrievalGraph.TOP_INDICES).orElseThrow()).getLongBuffer();
        float[] scoreArray = new float[scores.remaining()];
        scores.get(scoreArray);
        int[] rowArray = new int[rows.remaining()];
        for (int i = 0; i < rowArray.length; i++) {
          rowArray[i] = (int) rows.get(); // catalog rows fit an int; ORT's TopK gives int64
        }
        return new TopK(k, rowArray, scoreArray);
      }
    }
    int columns = selection.paddedItems(items);
    int blocks = columns / block;
    Buffers buffers = POOL.poll();
    if (buffers == null) {
      buffers = new Buffers();
    }
    try {
      FloatBuffer scores = buffers.scores(users * columns);
      FloatBuffer maxima = buffers.maxima(users * blocks);
      try (OnnxTensor scoreOutput = OnnxTensor.createTensor(env, scores, new long[] {users, columns});
          OnnxTensor maximaOutput = OnnxTensor.createTensor(env, maxima, new long[] {users, blocks});
          OrtSession.Result ignored =
              session.run(feeds, Map.of(TopKSelection.SCORES, scoreOutput, TopKSelection.BLOCK_MAXIMA, maximaOutput))) {
        return buffers.selector.select(scores, maxima, users, items, columns, block, k, allowed);
      }
    } finally {
      POOL.offer(buffers); // dropped (and freed by the GC) when the pool is full
    }
  }

  private static boolean masked(BitSet[] allowed) {
    if (allowed != null) {
      for (BitSet mask : allowed) {
        if (mask != null) {
          return true;
        }
      }
    }
    return false;
  }

  /** A {@link TopKSelection#FULL} graph run with k = every row, cut to each user's first k allowed rows. */
  private static TopK maskedRanking(
      OrtEnvironment env, OrtSession session, Map<String, ? extends OnnxTensor> feeds, int users, int items, int k, BitSet[] allowed) throws OrtException {
    Map<String, OnnxTensor> everything = new java.util.HashMap<>(feeds);
    int[] rows = new int[users * k];
    float[] values = new float[users * k];
    java.util.Arrays.fill(rows, -1);
    java.util.Arrays.fill(values, Float.NEGATIVE_INFINITY);
    try (OnnxTensor all = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {items}), new long[] {1})) {
      everything.put(RetrievalGraph.K, all);
      try (OrtSession.Result result = session.run(everything)) {
        FloatBuffer scores = ((OnnxTensor) result.get(RetrievalGraph.TOP_SCORES).orElseThrow()).getFloatBuffer();
        LongBuffer ranked = ((OnnxTensor) result.get(RetrievalGraph.TOP_INDICES).orElseThrow()).getLongBuffer();
        for (int u = 0; u < users; u++) {
          BitSet mask = allowed[u];
          int kept = 0;
          for (int rank = 0; rank < items && kept < k; rank++) {
            int row = (int) ranked.get(u * items + rank);
            if (mask == null || mask.get(row)) {
              rows[u * k + kept] = row;
              values[u * k + kept++] = scores.get(u * items + rank);
            }
          }
        }
      }
    }
    return new TopK(k, rows, values);
  }

  /** One call's output buffers, grown as needed, and its selector. */
  private static final class Buffers {
    final BlockTopK selector = new BlockTopK();
    private FloatBuffer scores = allocate(0);
    private FloatBuffer maxima = allocate(0);

    FloatBuffer scores(int floats) {
      scores = window(scores, floats);
      return scores;
    }

    FloatBuffer maxima(int floats) {
      maxima = window(maxima, floats);
      return maxima;
    }

    /**
     * The first {@code floats} of {@code buffer}, or of a larger one if it is too small: a tensor
     * over a buffer takes exactly what remains.
     */
    private static FloatBuffer window(FloatBuffer buffer, int floats) {
      if (buffer.capacity() < floats) {
        buffer = allocate(floats);
      }
      buffer.clear();
      buffer.limit(floats);
      return buffer;
    }

    private static FloatBuffer allocate(int floats) {
      return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
  }
}
