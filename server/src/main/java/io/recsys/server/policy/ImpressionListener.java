package io.recsys.server.policy;

import io.recsys.server.user.UserState;

/** Told about every served list, with the user state it was ranked for. */
public interface ImpressionListener {
  /**
   * The state of {@code recommendation}'s user is {@code scoredWith}, whose vector is
   * {@code states[offset, offset + dimension)}.
   */
  void served(Recommendation recommendation, UserState scoredWith, float[] states, int offset, int dimension);

  ImpressionListener NONE = (recommendation, scoredWith, states, offset, dimension) -> {};
}
