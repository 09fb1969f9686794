package io.recsys.server.api;

import io.recsys.server.policy.RecommendQuery;
import io.recsys.v1.RecommendRequest;
import java.util.HashSet;

/** Checks a RecommendRequest against {@link ApiLimits} and turns it into a query. */
final class RecommendRequests {
  private RecommendRequests() {}

  /** @param where prefix for the message, e.g. "requests[3]." in a batch */
  static RecommendQuery toQuery(RecommendRequest request, String where) {
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      throw GrpcCalls.invalid(where + "user_id is empty");
    }
    if (userId.length() > ApiLimits.MAX_USER_ID_LENGTH) {
      throw GrpcCalls.invalid(
          where + "user_id has " + userId.length() + " characters, more than "
              + ApiLimits.MAX_USER_ID_LENGTH);
    }
    int k = request.getK();
    if (k < 1 || k > ApiLimits.MAX_K) {
      throw GrpcCalls.invalid(where + "k must be in [1, " + ApiLimits.MAX_K + "], got " + k);
    }
    int excluded = request.getExcludeItemIdsCount();
    if (excluded > ApiLimits.MAX_EXCLUDED_ITEMS) {
      throw GrpcCalls.invalid(
          where + "exclude_item_ids has " + excluded + " ids, more than "
              + ApiLimits.MAX_EXCLUDED_ITEMS);
    }
    return new RecommendQuery(userId, k, new HashSet<>(request.getExcludeItemIdsList()));
  }
}
