package io.recsys.server.model;

/**
 * The k best catalog rows per user of one scoring call, best first: {@code row(u, j)} and
 * {@code score(u, j)} for user {@code u} of the batch and rank {@code j < k()}.
 */
public final class TopK {
  private final int k;
  private final int[] rows;
  private final float[] scores;

  TopK(int k, int[] rows, float[] scores) {
    this.k = k;
    this.rows = rows;
    this.scores = scores;
  }

  public int k() {
    return k;
  }

  public int users() {
    return k == 0 ? 0 : rows.length / k;
  }

  public int row(int user, int rank) {
    return rows[user * k + rank];
  }

  public float score(int user, int rank) {
    return scores[user * k + rank];
  }
}
