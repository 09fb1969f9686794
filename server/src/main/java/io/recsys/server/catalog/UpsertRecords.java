package io.recsys.server.catalog;

import io.recsys.server.catalog.store.StoredItem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One committed catalog change as a record of the catalog's upsert log: its items, each a
 * length-delimited {@code recsys.internal.StoredItem}, or its deletions, each a {@code StoredItem}
 * with only the id and {@code deleted} set. The stored form is the server's own, so a change to
 * the public {@code recsys.v1.Item} does not change what is on disk.
 */
final class UpsertRecords {
  private UpsertRecords() {}

  /** One logged change: the items upserted, or the ids deleted (never both). */
  record Change(List<CatalogItem> upserted, List<String> deleted) {}

  static byte[] encodeDeletion(List<String> itemIds) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (String itemId : itemIds) {
        StoredItem.newBuilder().setItemId(itemId).setDeleted(true).build().writeDelimitedTo(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Change decodeChange(byte[] record) {
    List<CatalogItem> upserted = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    ByteArrayInputStream in = new ByteArrayInputStream(record);
    try {
      for (StoredItem item = StoredItem.parseDelimitedFrom(in); item != null; item = StoredItem.parseDelimitedFrom(in)) {
        if (item.getDeleted()) {
          deleted.add(item.getItemId());
        } else {
          upserted.add(itemOf(item));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt catalog upsert record that passed its checksum", e);
    }
    return new Change(upserted, deleted);
  }

  static byte[] encode(List<CatalogItem> items) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (CatalogItem item : items) {
        stored(item).writeDelimitedTo(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static StoredItem stored(CatalogItem item) {
    StoredItem.Builder stored =
        StoredItem.newBuilder()
            .setItemId(item.id())
            .setTitle(item.title())
            .setText(item.text())
            .putAllAttributes(item.attributes())
            .setUnavailable(item.unavailable());
    for (float value : item.embedding()) {
      stored.addEmbedding(value);
    }
    return stored.build();
  }

  private static CatalogItem itemOf(StoredItem stored) {
    float[] embedding = new float[stored.getEmbeddingCount()];
    for (int i = 0; i < embedding.length; i++) {
      embedding[i] = stored.getEmbedding(i);
    }
    return new CatalogItem(
        stored.getItemId(), stored.getTitle(), stored.getText(), stored.getAttributesMap(), embedding, stored.getUnavailable());
  }
}
