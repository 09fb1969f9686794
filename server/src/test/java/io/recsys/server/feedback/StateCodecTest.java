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

  @Test
  void theFloatRoundingIsRintOnEveryValueTheCodecMeets() {
    for (int k = -128; k <= 127; k++) {
      for (float x : new float[] {k, k + 0.5f, Math.nextDown(k + 0.5f), Math.nextUp(k + 0.5f)}) {
        assertThat(StateCodec.roundToNearestEven(x)).as("%s", x).isEqualTo((float) Math.rint(x));
      }
    }
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = 0; i < 1_000_000; i++) {
      float x = (float) random.nextDouble(-128, 128);
      assertThat(StateCodec.roundToNearestEven(x)).isEqualTo((float) Math.rint(x));
    }
  }
}
