package io.recsys.server.model;

import io.recsys.server.catalog.CatalogSnapshot;

/**
 * Where a new retrieval session gets its learned item side from: the online learner (which
 * publishes what it learned so far) or, without one, the content-only space. Serving reads what
 * learning publishes through this and never imports it.
 */
@FunctionalInterface
public interface ItemSpaceSource {
  /** The item space for every row of {@code catalog}, frozen (later learning does not change it). */
  ItemSpace spaceFor(CatalogSnapshot catalog);

  static ItemSpaceSource contentOnly(float popularityWeight) {
    return catalog -> ItemSpace.contentOnly(catalog, popularityWeight);
  }
}
