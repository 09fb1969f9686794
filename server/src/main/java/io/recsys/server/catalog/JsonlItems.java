package io.recsys.server.catalog;

import io.recsys.v1.Item;

/**
 * Converts between a {@link CatalogItem} and {@code recsys.v1.Item}, the record a line of a
 * {@code .jsonl} catalog holds in protobuf JSON (the documented catalog format, which is why it
 * is the public API's item). The API's catalog calls use the same record; the data dir never
 * does (see {@link UpsertRecords}).
 */
public final class JsonlItems {
  private JsonlItems() {}

  /** Reads a record; throws {@link IllegalArgumentException} naming what is wrong. */
  public static CatalogItem read(Item item) {
    float[] embedding = new float[item.getEmbeddingCount()];
    for (int i = 0; i < embedding.length; i++) {
      embedding[i] = item.getEmbedding(i);
    }
    return new CatalogItem(
        item.getItemId(), item.getTitle(), item.getText(), item.getAttributesMap(), embedding, item.getUnavailable());
  }

  public static Item record(CatalogItem item) {
    Item.Builder record =
        Item.newBuilder()
            .setItemId(item.id())
            .setTitle(item.title())
            .setText(item.text())
            .putAllAttributes(item.attributes())
            .setUnavailable(item.unavailable());
    for (float value : item.embedding()) {
      record.addEmbedding(value);
    }
    return record.build();
  }
}
