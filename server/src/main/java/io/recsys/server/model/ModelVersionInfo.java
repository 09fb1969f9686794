package io.recsys.server.model;

import java.time.Instant;

/** What the server knows about one set of model weights. */
public record ModelVersionInfo(String version, State state, Instant createdAt, String description) {
  public ModelVersionInfo withState(State next) {
    return new ModelVersionInfo(version, next, createdAt, description);
  }

  /** Where a version stands. */
  public enum State {
    LIVE,
    RETIRED,
    REJECTED
  }
}
