package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.OnnxRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
  private static MiniLmEmbedder languageModel;

  @TempDir Path dataDir;

  @BeforeAll
  static void load() {
    languageModel = MiniLmEmbedder.load(new OnnxRuntime(OnnxRuntime.Device.CPU, 2));
  }

  @AfterAll
  static void close() {
    languageModel.close();
  }

  @Test
  void aRestartTakesEmbeddingsFromTheCache() throws IOException {
    List<CatalogItem> books = CatalogFiles.readEmbeddedDefault().subList(0, 40);
    CountingEmbedder first = new CountingEmbedder();
    float[] firstVectors;
    try (Catalog catalog = Catalog.open(books, dataDir, first)) {
      firstVectors = catalog.current().embeddingMatrix().clone();
    }
    CountingEmbedder second = new CountingEmbedder();
    try (Catalog catalog = Catalog.open(books, dataDir, second)) {
      assertThat(catalog.current().embeddingMatrix()).containsExactly(firstVectors);
    }

    assertThat(first.embedded).isEqualTo(40);
    assertThat(second.embedded).isZero();
  }

  @Test
  void aCommittedUpsertIsServableAndSurvivesARestart() throws IOException {
    List<CatalogItem> books = CatalogFiles.readEmbeddedDefault().subList(0, 10);
    CatalogItem newBook = new CatalogItem("new-1", "Project Hail Mary", "by Andy Weir", Map.of());
    CatalogItem retitled = new CatalogItem("1", "The Hunger Games (retitled)", "by Suzanne Collins", Map.of());
    try (Catalog catalog = Catalog.open(books, dataDir, new CountingEmbedder())) {
      Catalog.Staged staged = catalog.stage(List.of(newBook, retitled));

      assertThat(staged.created()).isEqualTo(1);
      assertThat(staged.updated()).isEqualTo(1);
      assertThat(catalog.current().find("new-1")).as("staged is not visible").isEmpty();

      catalog.commit(staged);

      assertThat(catalog.current().version()).isEqualTo(2);
      assertThat(catalog.current().size()).isEqualTo(11);
      assertThat(catalog.current().find("new-1")).contains(newBook);
    }
    CountingEmbedder afterRestart = new CountingEmbedder();
    try (Catalog catalog = Catalog.open(books, dataDir, afterRestart)) {
      assertThat(catalog.current().version()).isEqualTo(2);
      assertThat(catalog.current().find("new-1")).contains(newBook);
      assertThat(catalog.current().find("1").orElseThrow().title()).isEqualTo("The Hunger Games (retitled)");
      assertThat(afterRestart.embedded).as("only the upserted texts are new to the cache").isEqualTo(2);
    }
  }

  @Test
  void aStaleStagedChangeIsRefused() throws IOException {
    List<CatalogItem> books = CatalogFiles.readEmbeddedDefault().subList(0, 5);
    try (Catalog catalog = Catalog.open(books, dataDir, new CountingEmbedder())) {
      Catalog.Staged first = catalog.stage(List.of(new CatalogItem("a", "A", "", Map.of())));
      Catalog.Staged second = catalog.stage(List.of(new CatalogItem("b", "B", "", Map.of())));
      catalog.commit(first);

      assertThatThrownBy(() -> catalog.commit(second)).isInstanceOf(IllegalStateException.class);
      assertThat(catalog.current().find("b")).isEmpty();
    }
  }

  @Test
  void aVectorCatalogServesTheItemsOwnVectorsAndReplaysVectorUpserts() throws IOException {
    List<CatalogItem> items = List.of(vectorItem("a", 1, 0), vectorItem("b", 0, 1));
    try (Catalog catalog = Catalog.openVectors(items, dataDir)) {
      assertThat(catalog.ownVectors()).isTrue();
      assertThat(catalog.dimension()).isEqualTo(2);
      assertThat(catalog.current().embeddingMatrix()).containsExactly(1, 0, 0, 1);

      catalog.commit(catalog.stage(List.of(vectorItem("c", 0.6f, 0.8f))));
    }
    try (Catalog catalog = Catalog.openVectors(items, dataDir)) {
      assertThat(catalog.current().size()).isEqualTo(3);
      assertThat(catalog.current().embedding(catalog.current().rowOf("c"))).containsExactly(0.6f, 0.8f);
    }
  }

  @Test
  void eachKindOfCatalogRefusesTheOtherKindsItems() throws IOException {
    Files.createDirectories(dataDir.resolve("v"));
    Files.createDirectories(dataDir.resolve("t"));
    try (Catalog vectors = Catalog.openVectors(List.of(vectorItem("a", 1, 0)), dataDir.resolve("v"));
        Catalog text = Catalog.open(CatalogFiles.readEmbeddedDefault().subList(0, 3), dataDir.resolve("t"), new CountingEmbedder())) {
      assertThatThrownBy(() -> vectors.stage(List.of(new CatalogItem("b", "B", "", Map.of()))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must carry an embedding of 2 values on this vector catalog, got 0");
      assertThatThrownBy(() -> vectors.stage(List.of(vectorItem("b", 1, 0, 0))))
          .hasMessageContaining("got 3");
      assertThatThrownBy(() -> text.stage(List.of(vectorItem("b", 1, 0))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("carries an embedding, but this server embeds item text itself");
      assertThat(vectors.current().version()).isEqualTo(1);
      assertThat(text.current().version()).isEqualTo(1);
    }
  }

  @Test
  void aDataDirOfATextCatalogIsRefusedForAVectorCatalog() throws IOException {
    try (Catalog text = Catalog.open(CatalogFiles.readEmbeddedDefault().subList(0, 3), dataDir, new CountingEmbedder())) {
      text.commit(text.stage(List.of(new CatalogItem("new", "New book", "", Map.of()))));
    }

    assertThatThrownBy(() -> Catalog.openVectors(List.of(vectorItem("a", 1, 0)), dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a data dir belongs to one kind of catalog");
  }

  @Test
  void aDeletedItemLeavesServingAndLookupsKeepsItsRowSurvivesARestartAndAnUpsertBringsItBack() throws IOException {
    List<CatalogItem> items = List.of(vectorItem("a", 1, 0), vectorItem("b", 0, 1), vectorItem("c", 0.6f, 0.8f));
    try (Catalog catalog = Catalog.openVectors(items, dataDir)) {
      Catalog.StagedDeletion staged = catalog.stageDeletion(List.of("b", "nope", "b"));
      assertThat(staged.deleted()).containsExactly("b");
      assertThat(staged.missing()).containsExactly("nope");
      assertThat(catalog.current().rowOf("b")).as("staged is not visible").isEqualTo(1);
      catalog.commit(staged);

      CatalogSnapshot now = catalog.current();
      assertThat(now.rowOf("b")).isEqualTo(-1);
      assertThat(now.find("b")).isEmpty();
      assertThat(now.size()).as("rows never move: b stays a tombstone").isEqualTo(3);
      assertThat(now.rowOf("c")).isEqualTo(2);
      assertThat(now.isServable(1)).isFalse();
      assertThat(now.allServable()).isFalse();
      assertThat(catalog.stageDeletion(List.of("b")).missing()).as("deleting again is a no-op").containsExactly("b");
    }
    try (Catalog catalog = Catalog.openVectors(items, dataDir)) {
      CatalogSnapshot restarted = catalog.current();
      assertThat(restarted.rowOf("b")).as("the deletion is durable").isEqualTo(-1);
      assertThat(restarted.isServable(1)).isFalse();
      catalog.commit(catalog.stage(List.of(vectorItem("b", 0, 1))));
      assertThat(catalog.current().rowOf("b")).as("an upsert brings it back in its old row").isEqualTo(1);
      assertThat(catalog.current().allServable()).isTrue();
    }
  }

  @Test
  void anUnavailableItemIsFoundButNotServableUntilAnUpsertMakesItAvailable() throws IOException {
    try (Catalog catalog = Catalog.openVectors(List.of(vectorItem("a", 1, 0), vectorItem("b", 0, 1)), dataDir)) {
      catalog.commit(catalog.stage(List.of(new CatalogItem("b", "Item b", "", Map.of(), new float[] {0, 1}, true))));
      assertThat(catalog.current().find("b")).get().extracting(CatalogItem::unavailable).isEqualTo(true);
      assertThat(catalog.current().isServable(1)).isFalse();
    }
    try (Catalog catalog = Catalog.openVectors(List.of(vectorItem("a", 1, 0), vectorItem("b", 0, 1)), dataDir)) {
      assertThat(catalog.current().isServable(1)).as("unavailable survives a restart").isFalse();
      catalog.commit(catalog.stage(List.of(vectorItem("b", 0, 1))));
      assertThat(catalog.current().isServable(1)).isTrue();
    }
  }

  private static CatalogItem vectorItem(String id, float... embedding) {
    return new CatalogItem(id, "Item " + id, "", Map.of(), embedding);
  }

  /** The real language model, counting how many texts it was asked to embed. */
  private static final class CountingEmbedder implements ItemEmbedder {
    int embedded;

    @Override
    public String modelId() {
      return languageModel.modelId();
    }

    @Override
    public int dimension() {
      return languageModel.dimension();
    }

    @Override
    public float[][] embed(List<String> texts) {
      embedded += texts.size();
      return languageModel.embed(new ArrayList<>(texts));
    }

    @Override
    public void close() {}
  }
}
