package io.recsys.server.api;

import io.grpc.Deadline;
import io.recsys.server.policy.RecommendQuery;

/** A query waiting in the batcher, with the deadline of the call that asked for it. */
record QueuedQuery(RecommendQuery query, Deadline deadline) {
  boolean expired() {
    return deadline != null && deadline.isExpired();
  }
}
