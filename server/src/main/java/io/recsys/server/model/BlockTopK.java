package io.recsys.server.model;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The Java half of {@link TopKSelection#BLOCKED}: from each user's scores {@code [columns]} and
 * the maxima of their blocks {@code [columns / block]}, both left by the graph in buffers we own,
 * the k best (score, row) pairs, best first, equal scores in ascending row order.
 *
 * <p>A threshold, then a filter, then one small sort, with no heap (a heap's sift is one
 * mispredicted branch per level: it cost 140 µs a user here, this costs about a tenth):
 *
 * <ol>
 *   <li>{@code t} is read off an evenly strided, sorted sample of the block maxima, at the rank
 *       where about 1.5 k of all maxima should reach it;
 *   <li>one pass lists the blocks whose maximum reaches {@code t}. If there are at least k, then
 *       at least k items score {@code >= t}, so the k-th best score is {@code >= t} and every item
 *       of the top k scores {@code >= t}. If there are fewer (an unlucky sample), {@code t} falls
 *       to a sample rank twice as deep and the pass repeats, down to minus infinity (every block);
 *   <li>the items scoring {@code >= t} can only sit in those blocks: they are collected as sort
 *       keys (score descending, then row ascending, in one long) and the first k after one
 *       primitive sort are the answer.
 * </ol>
 *
 * Scores compare as floats do ({@code -0.0 == 0.0}), as in ONNX Runtime's TopK; rows at or past
 * {@code items} are padding and never taken. Not thread-safe: one instance per caller at a time
 * (it reuses its arrays).
 */
final class BlockTopK {
  /** Sampled maxima per user: enough that the threshold's rank is a few dozen deep. */
  private static final int SAMPLE = 256;
  /** Blocks expected to pass the threshold, per item wanted: a margin over the k needed. */
  private static final double MARGIN = 1.5;

  private final float[] sample = new float[SAMPLE];
  private int[] passing = new int[0];
  private long[] keys = new long[0];

  /**
   * @param scores {@code users x columns}, row-major, from position 0
   * @param maxima {@code users x (columns / block)}
   * @param k at least 1, at most {@code items}
   */
  TopK select(FloatBuffer scores, FloatBuffer maxima, int users, int items, int columns, int block, int k) {
    return select(scores, maxima, users, items, columns, block, k, null);
  }

  /**
   * As above, each user taking only the rows its mask sets ({@code allowed[u]}; null: every row).
   * A mask can leave the blocks that pass a threshold with fewer than k allowed items: then the
   * threshold falls as for an unlucky sample, until k allowed items reach it or it is minus
   * infinity (every allowed item). Still exact: every allowed item scoring at least the threshold
   * is collected. Ranks past the allowed items hold row -1 and minus infinity.
   */
  TopK select(FloatBuffer scores, FloatBuffer maxima, int users, int items, int columns, int block, int k, BitSet[] allowed) {
    int blocks = columns / block;
    int[] rows = new int[users * k];
    float[] values = new float[users * k];
    for (int u = 0; u < users; u++) {
      BitSet mask = allowed == null ? null : allowed[u];
      int maximaStart = u * blocks;
      int scoreStart = u * columns;
      int sampled = sortedSample(maxima, maximaStart, blocks);
      int fromTop = (int) Math.ceil(MARGIN * k * sampled / blocks);
      float threshold;
      int collected;
      do {
        int passed;
        do {
          threshold = k >= blocks || fromTop >= sampled ? Float.NEGATIVE_INFINITY : sample[sampled - 1 - fromTop];
          passed = blocksReaching(maxima, maximaStart, blocks, threshold);
          fromTop *= 2;
        } while (passed < k && threshold != Float.NEGATIVE_INFINITY);
        collected = collect(scores, scoreStart, passed, block, items, threshold, mask, k);
      } while (collected < k && threshold != Float.NEGATIVE_INFINITY);
      Arrays.sort(keys, 0, collected);
      for (int rank = 0; rank < k; rank++) {
        if (rank < collected) {
          int row = rowOf(keys[rank]);
          rows[u * k + rank] = row;
          values[u * k + rank] = scores.get(scoreStart + row);
        } else {
          rows[u * k + rank] = -1;
          values[u * k + rank] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    return new TopK(k, rows, values);
  }

  /** Collects as sort keys the allowed items of the passing blocks that score at least {@code threshold}; returns how many. */
  private int collect(FloatBuffer scores, int scoreStart, int passed, int block, int items, float threshold, BitSet mask, int k) {
    int collected = 0;
    for (int p = 0; p < passed; p++) {
      int first = passing[p] * block;
      int end = Math.min(first + block, items);
      for (int row = first; row < end; row++) {
        float score = scores.get(scoreStart + row);
        if (score >= threshold && (mask == null || mask.get(row))) {
          if (collected == keys.length) {
            keys = Arrays.copyOf(keys, Math.max(2 * keys.length, 4 * k));
          }
          keys[collected++] = key(score, row);
        }
      }
    }
    return collected;
  }

  /** Fills {@code sample} with evenly strided maxima, sorted ascending; returns how many. */
  private int sortedSample(FloatBuffer maxima, int start, int blocks) {
    int size = Math.min(SAMPLE, blocks);
    for (int i = 0; i < size; i++) {
      sample[i] = maxima.get(start + (int) ((long) i * blocks / size));
    }
    Arrays.sort(sample, 0, size);
    return size;
  }

  /** Lists in {@code passing} the blocks whose maximum is at least {@code threshold}, in row order. */
  private int blocksReaching(FloatBuffer maxima, int start, int blocks, float threshold) {
    if (passing.length < blocks) {
      passing = new int[blocks];
    }
    int passed = 0;
    for (int b = 0; b < blocks; b++) {
      if (maxima.get(start + b) >= threshold) {
        passing[passed++] = b;
      }
    }
    return passed;
  }

  /**
   * One long whose ascending order is "higher score first, then lower row": the score's bits made
   * monotonic and inverted in the high half, the row in the low half.
   */
  static long key(float score, int row) {
    int bits = Float.floatToRawIntBits(score + 0.0f); // -0.0 + 0.0 is 0.0
    int monotonic = bits ^ ((bits >> 31) & 0x7fffffff); // signed order of the ints = order of the floats
    return ((long) ~monotonic << 32) | row;
  }

  static int rowOf(long key) {
    return (int) key;
  }
}
