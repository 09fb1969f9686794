package io.recsys.server.user;

/**
 * Small dense ridge-regression algebra on row-major {@code n x n} arrays: what a per-user
 * posterior over a few dozen dimensions needs (and the simulator's LinUCB baselines). Cholesky,
 * not an inverse: one factorisation gives the posterior mean and every confidence width.
 */
public final class Ridge {
  private Ridge() {}

  public static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int j = 0; j < a.length; j++) {
      sum += a[j] * b[j];
    }
    return sum;
  }

  /** Doubles in the packed upper triangle of a symmetric {@code n x n} matrix: (0,0) (0,1) ... (1,1) ... */
  public static int packedSize(int n) {
    return n * (n + 1) / 2;
  }

  /** The full row-major {@code n x n} matrix of a packed upper triangle (a new array). */
  public static double[] unpackSymmetric(double[] packed, int n) {
    double[] full = new double[n * n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++, k++) {
        full[i * n + j] = packed[k];
        full[j * n + i] = packed[k];
      }
    }
    return full;
  }

  /** Adds one observation to X'X and X'r. */
  public static void addObservation(double[] gram, double[] moments, double[] x, double reward, int n) {
    for (int i = 0; i < n; i++) {
      moments[i] += reward * x[i];
      for (int j = 0; j < n; j++) {
        gram[i * n + j] += x[i] * x[j];
      }
    }
  }

  /** Weighs every observation so far by {@code gamma}: the forgetting of discounted LinUCB. */
  public static void discount(double[] gram, double[] moments, double gamma) {
    if (gamma == 1) {
      return;
    }
    for (int i = 0; i < gram.length; i++) {
      gram[i] *= gamma;
    }
    for (int i = 0; i < moments.length; i++) {
      moments[i] *= gamma;
    }
  }

  /** {@code gram + lambda I}, a copy. */
  public static double[] withRidge(double[] gram, double lambda, int n) {
    double[] a = gram.clone();
    for (int i = 0; i < n; i++) {
      a[i * n + i] += lambda;
    }
    return a;
  }

  /** The lower Cholesky factor of a symmetric positive definite matrix. */
  public static double[] cholesky(double[] a, int n) {
    double[] l = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i * n + j];
        for (int k = 0; k < j; k++) {
          sum -= l[i * n + k] * l[j * n + k];
        }
        if (i == j) {
          if (!(sum > 0)) {
            throw new IllegalArgumentException("matrix is not positive definite");
          }
          l[i * n + i] = Math.sqrt(sum);
        } else {
          l[i * n + j] = sum / l[j * n + j];
        }
      }
    }
    return l;
  }

  /** A ridge posterior: its mean and the Cholesky factor of its precision, from one factorisation. */
  public record Fit(double[] mean, double[] cholesky) {}

  /**
   * The ridge estimate shrunk toward {@code prior}: {@code (G + lambda I)^-1 (lambda prior + m)}
   * for the observations' X'X {@code gram} and X'r {@code moments} (none yet when null).
   */
  public static Fit shrunkToward(double[] prior, double[] gram, double[] moments, double lambda, int n) {
    double[] a = withRidge(gram == null ? new double[n * n] : gram, lambda, n);
    double[] b = new double[n];
    for (int j = 0; j < n; j++) {
      b[j] = lambda * prior[j] + (moments == null ? 0 : moments[j]);
    }
    double[] l = cholesky(a, n);
    return new Fit(solveFactored(l, b, n), l);
  }

  /** Solves {@code a x = b} for symmetric positive definite {@code a}. */
  public static double[] solve(double[] a, double[] b, int n) {
    return solveFactored(cholesky(a, n), b, n);
  }

  /** Solves {@code L L' x = b} for a lower Cholesky factor {@code l}. */
  private static double[] solveFactored(double[] l, double[] b, int n) {
    double[] y = forward(l, b, n);
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double sum = y[i];
      for (int k = i + 1; k < n; k++) {
        sum -= l[k * n + i] * x[k];
      }
      x[i] = sum / l[i * n + i];
    }
    return x;
  }

  /** {@code x' A^-1 x} from A's Cholesky factor L: the squared norm of {@code L^-1 x}. */
  public static double inverseQuadratic(double[] l, double[] x, int n) {
    double[] y = forward(l, x, n);
    double sum = 0;
    for (double v : y) {
      sum += v * v;
    }
    return sum;
  }

  private static double[] forward(double[] l, double[] b, int n) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i * n + k] * y[k];
      }
      y[i] = sum / l[i * n + i];
    }
    return y;
  }
}
