package io.recsys.server.policy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.user.UserState;
import java.util.List;

/**
 * One query's scored candidates, the output of the batched model stage: catalog rows best first
 * by retrieval (re-ranked by the Q-network when one is live), their scores, and the user state
 * they were scored for. Everything a list is then drawn from, with no model session held.
 *
 * @param modelVersion the version that scored them
 * @param catalog the snapshot the rows index into
 * @param state the user's state vector at scoring time
 * @param scoredWith the user's state it came from
 * @param explaining what explanations need, when the query asked for them; else null
 */
public record Candidates(
    String modelVersion, CatalogSnapshot catalog, int[] rows, float[] scores, float[] state, UserState scoredWith, Explaining explaining) {

  /**
   * @param parts the retrieval score's parts per candidate, in the order of {@code rows}
   * @param positiveItems the user's remembered positive items, newest first
   */
  record Explaining(ScoreParts[] parts, List<String> positiveItems) {}
}
