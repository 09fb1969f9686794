package io.recsys.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.feedback.log.QuantizedVector;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The trainer's double decoding reads exactly what the float decoding reads. */
class StateCodecTest {
  @Test
  void decodingIntoDoublesGivesTheFloatValues() {
    Random random = new Random(4);
    float[] state = new float[50];
    for (int i = 0; i < state.length; i++) {
      state[i] = (float) random.nextGaussian();
    }
    QuantizedVector stored = StateCodec.encode(state);
    float[] floats = StateCodec.decode(stored, state.length);
    double[] doubles = new double[state.length];

    StateCodec.decode(stored, doubles);

    for (int i = 0; i < state.length; i++) {
      assertThat(doubles[i]).isEqualTo(floats[i]);
    }
  }

  @Test
  void thePriorDecodesToZeros() {
    double[] doubles = {1, 2, 3};

    StateCodec.decode(QuantizedVector.getDefaultInstance(), doubles);

    assertThat(doubles).containsExactly(0, 0, 0);
  }

  @Test
  void aStateOfAnotherDimensionIsRefused() {
    QuantizedVector stored = StateCodec.encode(new float[] {1, 2, 3});

    assertThatThrownBy(() -> StateCodec.decode(stored, new double[4])).isInstanceOf(IllegalArgumentException.class);
  }
}
