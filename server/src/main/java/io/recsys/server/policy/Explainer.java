package io.recsys.server.policy;

import io.recsys.server.catalog.CatalogSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Tells why an item is in a list, truthfully: exploration and the diversity re-rank first (they
 * overrule the score), else the largest part of the retrieval score ({@link ScoreParts}). The
 * content part is named only with the user's own positive items most similar to the item: it is
 * made of them (the content state is a moving average of the vectors of what the user engaged
 * with), and an explanation never cites an item the user did not react to positively; without
 * such an item the next largest part speaks.
 */
final class Explainer {
  /** Similar items named per explanation. */
  static final int MAX_SIMILAR = 3;
  /** Positive items compared against: the newest ones. */
  static final int MAX_POSITIVES = 50;

  private Explainer() {}

  static Explanation explain(
      CatalogSnapshot catalog, int row, ScoreParts parts, List<String> positiveItems, boolean explored, boolean diversified,
      float propensity) {
    if (explored) {
      return new Explanation(Explanation.Reason.EXPLORING, List.of(), propensity);
    }
    if (diversified) {
      return new Explanation(Explanation.Reason.DIVERSITY, List.of(), propensity);
    }
    List<Explanation.SimilarItem> similar = parts.content() > 0 ? similarPositives(catalog, row, positiveItems) : List.of();
    Explanation.Reason reason = Explanation.Reason.POPULAR;
    float largest = parts.bias();
    if (parts.collaborative() > largest) {
      reason = Explanation.Reason.SIMILAR_USERS;
      largest = parts.collaborative();
    }
    if (parts.bonus() > largest) {
      reason = Explanation.Reason.NEW_ITEM;
      largest = parts.bonus();
    }
    if (!similar.isEmpty() && parts.content() > largest) {
      reason = Explanation.Reason.SIMILAR_TO_YOUR_ITEMS;
    }
    return new Explanation(reason, reason == Explanation.Reason.SIMILAR_TO_YOUR_ITEMS ? similar : List.of(), propensity);
  }

  /** The user's positive items (still in the catalog, not the item itself) most similar to {@code row}, similarity above 0. */
  private static List<Explanation.SimilarItem> similarPositives(CatalogSnapshot catalog, int row, List<String> positiveItems) {
    float[] embeddings = catalog.embeddingMatrix();
    int dim = catalog.dimension();
    double itemNorm = norm(embeddings, row, dim);
    if (itemNorm == 0) {
      return List.of();
    }
    List<Explanation.SimilarItem> found = new ArrayList<>();
    for (String itemId : positiveItems) {
      int other = catalog.rowOf(itemId);
      if (other < 0 || other == row) {
        continue;
      }
      double otherNorm = norm(embeddings, other, dim);
      if (otherNorm == 0) {
        continue;
      }
      double dot = 0;
      for (int d = 0; d < dim; d++) {
        dot += (double) embeddings[row * dim + d] * embeddings[other * dim + d];
      }
      float similarity = (float) (dot / (itemNorm * otherNorm));
      if (similarity > 0) {
        found.add(new Explanation.SimilarItem(itemId, similarity));
      }
    }
    found.sort(Comparator.comparingDouble((Explanation.SimilarItem s) -> s.similarity()).reversed());
    return found.size() > MAX_SIMILAR ? List.copyOf(found.subList(0, MAX_SIMILAR)) : found;
  }

  private static double norm(float[] vectors, int row, int dim) {
    double sum = 0;
    for (int d = 0; d < dim; d++) {
      sum += (double) vectors[row * dim + d] * vectors[row * dim + d];
    }
    return Math.sqrt(sum);
  }
}
