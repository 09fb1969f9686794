package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.learning.QNetwork;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exported Q-network graph computes what the trainer's Java forward pass computes. */
class QNetworkGraphTest {
  @Test
  void onnxQValuesMatchTheJavaForwardPassTo1e5() {
    int dim = 16;
    int users = 3;
    int perUser = 9;
    QNetwork network = QNetwork.initialised(dim, 5, 12, 6, 7);
    Random random = new Random(1);
    float[] states = gaussian(random, users * dim);
    float[] candidates = gaussian(random, users * perUser * dim);

    float[] q;
    try (QNetworkModel model = QNetworkModel.create(new OnnxRuntime(OnnxRuntime.Device.CPU, 1), "q-test", network.toWeights())) {
      q = model.qValues(states, candidates, users, perUser);
    }

    assertThat(q).hasSize(users * perUser);
    for (int u = 0; u < users; u++) {
      float[] state = java.util.Arrays.copyOfRange(states, u * dim, (u + 1) * dim);
      for (int c = 0; c < perUser; c++) {
        int offset = (u * perUser + c) * dim;
        float[] item = java.util.Arrays.copyOfRange(candidates, offset, offset + dim);
        double expected = network.q(state, item);
        assertThat((double) q[u * perUser + c]).as("user %d candidate %d", u, c).isCloseTo(expected, within(1e-5 * Math.max(1, Math.abs(expected))));
      }
    }
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
