package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** What every list of items a catalog reader returns must satisfy, for the fuzz tests of the readers. */
final class ReadItemChecks {
  private ReadItemChecks() {}

  static void assertWellFormed(List<CatalogItem> items) {
    for (CatalogItem item : items) {
      assertThat(item.id()).isNotBlank();
      for (float value : item.embedding()) {
        assertThat(Float.isFinite(value)).as("embedding of %s", item.id()).isTrue();
      }
    }
    assertThat(items.stream().map(CatalogItem::id).distinct().count()).as("ids unique").isEqualTo(items.size());
  }
}
