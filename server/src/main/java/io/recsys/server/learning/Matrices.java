package io.recsys.server.learning;

import java.util.Arrays;

/**
 * Kernels over row arrays ({@code double[][]}, each row indexed from 0). That shape matters: C2
 * vectorises {@code y[i] += a * x[i]}, but not the same loop over two offsets into one flat array
 * (they could overlap), nor a dot product (a floating-point sum may not be reordered).
 */
final class Matrices {
  private Matrices() {}

  /** {@code y += a * x}. */
  static void addScaled(double[] y, double a, double[] x) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a * x[i];
    }
  }

  /**
   * {@code y += sum of coefficients[i] * rows[i]}, two rows per pass: that halves the loads and
   * stores of {@code y}, which bound the loop when rows are short.
   */
  static void addCombination(double[] y, double[] coefficients, double[][] rows) {
    int i = 0;
    for (; i + 1 < coefficients.length; i += 2) {
      double a = coefficients[i];
      double b = coefficients[i + 1];
      double[] x = rows[i];
      double[] z = rows[i + 1];
      for (int k = 0; k < y.length; k++) {
        y[k] += a * x[k] + b * z[k];
      }
    }
    if (i < coefficients.length) {
      addScaled(y, coefficients[i], rows[i]);
    }
  }

  /** {@code into} takes the {@code into.length} floats of {@code from} at {@code offset}, widened. */
  static void widen(float[] from, int offset, double[] into) {
    for (int i = 0; i < into.length; i++) {
      into[i] = from[offset + i];
    }
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  static void relu(double[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.max(0, values[i]);
    }
  }

  /** Rows of {@code into} from the row-major block at {@code from} in {@code flat}. */
  static void copyRows(double[] flat, int from, double[][] into) {
    for (double[] row : into) {
      System.arraycopy(flat, from, row, 0, row.length);
      from += row.length;
    }
  }

  /** Columns of {@code into} from the row-major block at {@code from} in {@code flat}. */
  static void copyTransposed(double[] flat, int from, double[][] into) {
    int columns = into.length;
    int rows = into[0].length;
    for (int r = 0; r < rows; r++) {
      int offset = from + r * columns;
      for (int c = 0; c < columns; c++) {
        into[c][r] = flat[offset + c];
      }
    }
  }

  /** The row-major block at {@code from} in {@code flat} becomes {@code rows / divisor}; the rows become 0. */
  static void moveDivided(double[][] rows, int divisor, double[] flat, int from) {
    for (double[] row : rows) {
      moveDivided(row, divisor, flat, from);
      from += row.length;
    }
  }

  static void moveDivided(double[] row, int divisor, double[] flat, int from) {
    for (int i = 0; i < row.length; i++) {
      flat[from + i] = row[i] / divisor;
    }
    Arrays.fill(row, 0);
  }
}
