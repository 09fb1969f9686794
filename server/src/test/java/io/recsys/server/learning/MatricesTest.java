package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The paired kernel adds what one row at a time adds, for an even and an odd number of rows. */
class MatricesTest {
  @Test
  void aCombinationAddsEachScaledRow() {
    Random random = new Random(2);
    for (int count : new int[] {4, 5}) {
      double[] coefficients = gaussian(random, count);
      double[][] rows = new double[count][];
      for (int i = 0; i < count; i++) {
        rows[i] = gaussian(random, 7);
      }
      double[] expected = gaussian(random, 7);
      double[] actual = expected.clone();

      for (int i = 0; i < count; i++) {
        Matrices.addScaled(expected, coefficients[i], rows[i]);
      }
      Matrices.addCombination(actual, coefficients, rows);

      for (int k = 0; k < expected.length; k++) {
        assertThat(actual[k]).as("%d rows, element %d", count, k).isCloseTo(expected[k], within(1e-12));
      }
    }
  }

  private static double[] gaussian(Random random, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextGaussian();
    }
    return v;
  }
}
