package io.recsys.server.feedback;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.recsys.server.feedback.log.QuantizedVector;
import java.util.Arrays;

/**
 * User states kept with impressions and transitions, in int8 with one scale per vector: a
 * quarter of the float size, at most 0.4 % of the largest component off. Learning data, not
 * serving data, so the loss is affordable; it is what keeps the log and the buffers small.
 */
public final class StateCodec {
  private StateCodec() {}

  public static QuantizedVector encode(float[] values, int offset, int length) {
    float maxAbs = 0;
    for (int i = 0; i < length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(values[offset + i]));
    }
    if (maxAbs == 0 || !Float.isFinite(maxAbs)) {
      return QuantizedVector.getDefaultInstance(); // the prior (a non-finite state is not stored)
    }
    float scale = maxAbs / 127f;
    float inverse = 127f / maxAbs;
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (int) roundToNearestEven(values[offset + i] * inverse);
    }
    // The array is never touched again, so the ByteString may wrap it instead of copying it.
    return QuantizedVector.newBuilder().setScale(scale).setValues(UnsafeByteOperations.unsafeWrap(bytes)).build();
  }

  /** 1.5 x 2^23: adding it leaves no bits below the unit, so the float adder rounds for us. */
  private static final float ROUNDER = 0x1.8p23f;

  /**
   * {@code Math.rint} for |x| < 2^22, in float adds the JIT can vectorise (the per-reaction
   * encoding's largest cost was rint's widening to double). Exact: the sum's unit is 1, and the
   * float adder rounds to nearest even, as rint does.
   */
  static float roundToNearestEven(float x) {
    return (x + ROUNDER) - ROUNDER;
  }

  public static QuantizedVector encode(float[] values) {
    return encode(values, 0, values.length);
  }

  /** The vector, {@code dimension} zeros for the prior. */
  public static float[] decode(QuantizedVector vector, int dimension) {
    float[] values = new float[dimension];
    byte[] quantized = quantized(vector, dimension);
    if (quantized != null) {
      float scale = vector.getScale();
      for (int i = 0; i < dimension; i++) {
        values[i] = quantized[i] * scale;
      }
    }
    return values;
  }

  /** The same values as {@link #decode(QuantizedVector, int)}, widened into {@code into} (the trainer's arithmetic is double). */
  public static void decode(QuantizedVector vector, double[] into) {
    byte[] quantized = quantized(vector, into.length);
    if (quantized == null) {
      Arrays.fill(into, 0);
      return;
    }
    float scale = vector.getScale();
    for (int i = 0; i < quantized.length; i++) {
      into[i] = quantized[i] * scale;
    }
  }

  /** The stored bytes, checked against {@code dimension}; null for the prior. */
  private static byte[] quantized(QuantizedVector vector, int dimension) {
    ByteString bytes = vector.getValues();
    if (bytes.isEmpty()) {
      return null;
    }
    if (bytes.size() != dimension) {
      throw new IllegalArgumentException("stored state has " + bytes.size() + " values, expected " + dimension);
    }
    return bytes.toByteArray(); // one bulk copy: byteAt per value costs more than the copy
  }
}
