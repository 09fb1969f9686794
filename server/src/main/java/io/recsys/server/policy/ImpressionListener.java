package io.recsys.server.policy;

/** Told about every served list, with the user state it was ranked for. */
public interface ImpressionListener {
  /** The state of {@code recommendation}'s user is {@code states[offset, offset + dimension)}. */
  void served(Recommendation recommendation, float[] states, int offset, int dimension);

  ImpressionListener NONE = (recommendation, states, offset, dimension) -> {};
}
