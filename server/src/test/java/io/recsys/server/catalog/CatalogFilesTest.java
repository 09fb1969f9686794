package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogFilesTest {
  @TempDir Path dir;

  @Test
  void readsCsvWithExtraColumnsAsAttributes() throws IOException {
    Path file = write("items.csv", """
        item_id,title,text,authors,popularity
        b1,Dune,"A desert planet, spice",Frank Herbert,120
        b2,Emma,,Jane Austen,
        """);

    List<CatalogItem> items = CatalogFiles.read(file);

    assertThat(items).extracting(CatalogItem::id).containsExactly("b1", "b2");
    assertThat(items.get(0).text()).isEqualTo("A desert planet, spice");
    assertThat(items.get(0).attributes()).containsEntry("authors", "Frank Herbert").containsEntry("popularity", "120");
    assertThat(items.get(0).popularity()).hasValue(120);
    assertThat(items.get(1).attributes()).doesNotContainKey("popularity");
  }

  @Test
  void readsJsonLinesInProtobufJson() throws IOException {
    Path file = write("items.jsonl", """
        {"item_id": "a", "title": "Alpha", "attributes": {"popularity": "3"}}

        {"itemId": "b", "text": "only text"}
        """);

    List<CatalogItem> items = CatalogFiles.read(file);

    assertThat(items).extracting(CatalogItem::id).containsExactly("a", "b");
    assertThat(items.get(1).embeddingText()).isEqualTo("only text");
  }

  @Test
  void readsItemsThatCarryTheirOwnEmbeddings() throws IOException {
    Path jsonl = write("vectors.jsonl", """
        {"item_id": "a", "title": "Alpha", "embedding": [0.5, -1, 2e-3]}
        {"item_id": "b", "title": "Beta", "embedding": [1, 0, 0]}
        """);
    Path csv = write("vectors.csv", "item_id,title,embedding\na,Alpha,0.5 -1  0.002\n");

    List<CatalogItem> fromJson = CatalogFiles.read(jsonl);
    List<CatalogItem> fromCsv = CatalogFiles.read(csv);

    assertThat(fromJson.get(0).embedding()).containsExactly(0.5f, -1f, 0.002f);
    assertThat(fromJson.get(1).embedding()).containsExactly(1f, 0f, 0f);
    assertThat(fromCsv).containsExactly(fromJson.get(0));
    assertThat(fromCsv.get(0).attributes()).doesNotContainKey("embedding");
  }

  @Test
  void embeddingsOfAnotherDimensionThanTheFirstNameTheirLine() throws IOException {
    Path mixedDimensions = write("mixed.jsonl", """
        {"item_id": "a", "title": "Alpha", "embedding": [1, 0]}
        {"item_id": "b", "title": "Beta", "embedding": [1, 0, 0]}
        """);
    Path someWithout = write("some.csv", "item_id,title,embedding\na,Alpha,1 0\nb,Beta,\n");

    assertThatThrownBy(() -> CatalogFiles.read(mixedDimensions))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":2: item 'b' has an embedding of 3 values, the first item one of 2");
    assertThatThrownBy(() -> CatalogFiles.read(someWithout))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":3: item 'b' has an embedding of 0 values");
  }

  @Test
  void aNonNumericEmbeddingValueNamesItsLine() throws IOException {
    Path file = write("bad.csv", "item_id,title,embedding\na,Alpha,1 x\n");

    assertThatThrownBy(() -> CatalogFiles.read(file))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":2: embedding value #2 is not a number: 'x'");
  }

  @Test
  void aRowWithTheWrongColumnCountNamesItsLine() throws IOException {
    Path file = write("items.csv", "item_id,title\nb1,Dune\nb2,Emma,extra\n");

    assertThatThrownBy(() -> CatalogFiles.read(file))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":3: expected 2 columns, found 3");
  }

  @Test
  void anItemWithoutTitleOrTextNamesItsLine() throws IOException {
    Path file = write("items.csv", "item_id,title,text\nb1,Dune,\nb2,,\n");

    assertThatThrownBy(() -> CatalogFiles.read(file))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":3: item 'b2' has neither title nor text");
  }

  @Test
  void aDuplicateIdNamesBothLines() throws IOException {
    Path file = write("items.jsonl", "{\"item_id\":\"a\",\"title\":\"A\"}\n{\"item_id\":\"a\",\"title\":\"B\"}\n");

    assertThatThrownBy(() -> CatalogFiles.read(file))
        .hasMessageContaining(":2: item_id 'a' already used on line 1");
  }

  @Test
  void malformedJsonNamesItsLine() throws IOException {
    Path file = write("items.jsonl", "{\"item_id\":\"a\",\"title\":\"A\"}\n{\"item_id\": \n");

    assertThatThrownBy(() -> CatalogFiles.read(file))
        .isInstanceOf(CatalogFormatException.class)
        .hasMessageContaining(":2: not a recsys.v1.Item");
  }

  @Test
  void aHeaderWithoutItemIdIsRefused() throws IOException {
    Path file = write("items.csv", "id,title\n1,Dune\n");

    assertThatThrownBy(() -> CatalogFiles.read(file)).hasMessageContaining(":1: header must name the columns item_id and title");
  }

  @Test
  void aBadHeaderIsAFormatErrorOfLineOne() throws IOException {
    // Found by CatalogFilesFuzzTest: commons-csv's own exceptions escaped the reader.
    for (String header : List.of("item_id,title,,genre", "item_id,title,title", "item_id,\"title")) {
      Path file = write("items.csv", header + "\n1,Dune,x,y\n");

      assertThatThrownBy(() -> CatalogFiles.read(file)).as(header)
          .isInstanceOf(CatalogFormatException.class)
          .hasMessageContaining(":1: bad header");
    }
  }

  @Test
  void aNegativePopularityIsRefused() throws IOException {
    Path file = write("items.csv", "item_id,title,popularity\n1,Dune,-4\n");

    assertThatThrownBy(() -> CatalogFiles.read(file)).hasMessageContaining(":2: item '1': attribute popularity must be a non-negative number");
  }

  @Test
  void theEmbeddedDefaultIsTheGoodbooksCatalog() {
    List<CatalogItem> items = CatalogFiles.readEmbeddedDefault();

    assertThat(items).hasSize(10_000);
    assertThat(items.get(0).title()).isEqualTo("The Hunger Games (The Hunger Games, #1)");
    assertThat(items.get(0).attributes()).containsEntry("authors", "Suzanne Collins");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
