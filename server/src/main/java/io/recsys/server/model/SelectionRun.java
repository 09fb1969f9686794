package io.recsys.server.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
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

  /**
   * @param feeds the graph's inputs, {@code k} included when {@link TopKSelection#usesK}
   * @param k at most {@code items}
   */
  static TopK run(
      OrtEnvironment env, OrtSession session, Map<String, ? extends OnnxTensor> feeds, TopKSelection selection, int users, int items, int k)
      throws OrtException {
    int block = selection.blockSize(items);
    if (block == 1) {
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
        return buffers.selector.select(scores, maxima, users, items, columns, block, k);
      }
    } finally {
      POOL.offer(buffers); // dropped (and freed by the GC) when the pool is full
    }
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
