package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.OnnxRuntime;
import java.io.IOException;
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
