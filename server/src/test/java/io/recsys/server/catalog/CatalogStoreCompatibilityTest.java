package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.recsys.server.catalog.store.StoredItem;
import io.recsys.server.storage.DataDirectory;
import io.recsys.server.storage.RecordFile;
import io.recsys.v1.Item;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data dirs written before the catalog had its own stored record hold {@code recsys.v1.Item}s in
 * their upsert log; they must still open, item for item.
 */
class CatalogStoreCompatibilityTest {
  @TempDir Path dataDir;

  @Test
  void anUpsertLogOfPublicItemsStillOpens() throws IOException {
    Item upserted =
        Item.newBuilder()
            .setItemId("new")
            .setTitle("A new book")
            .setText("by someone")
            .putAttributes("popularity", "3")
            .addEmbedding(0.6f)
            .addEmbedding(0.8f)
            .build();
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    upserted.writeDelimitedTo(batch);
    try (RecordFile log = RecordFile.open(DataDirectory.catalogUpsertsOf(dataDir), record -> {})) {
      log.append(batch.toByteArray());
    }

    List<CatalogItem> base = List.of(new CatalogItem("base", "Base", "", Map.of(), new float[] {1, 0}));
    try (Catalog catalog = Catalog.openVectors(base, dataDir)) {
      CatalogSnapshot snapshot = catalog.current();
      assertThat(snapshot.version()).isEqualTo(2);
      int row = snapshot.rowOf("new");
      assertThat(row).isGreaterThanOrEqualTo(0);
      assertThat(snapshot.item(row))
          .isEqualTo(new CatalogItem("new", "A new book", "by someone", Map.of("popularity", "3"), new float[] {0.6f, 0.8f}));
    }
  }

  @Test
  void theStoredItemReadsEveryFieldOldDataDirsWrote() {
    Descriptor stored = StoredItem.getDescriptor();
    // The public item's fields 1-5 are what the upsert log held before StoredItem existed.
    for (int number = 1; number <= 5; number++) {
      FieldDescriptor field = Item.getDescriptor().findFieldByNumber(number);
      FieldDescriptor same = stored.findFieldByNumber(number);
      assertThat(same).as("field %d (%s)", number, field.getName()).isNotNull();
      assertThat(same.getName()).isEqualTo(field.getName());
      assertThat(same.getType()).isEqualTo(field.getType());
      assertThat(same.isRepeated()).isEqualTo(field.isRepeated());
    }
  }
}
