package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.BufferedReader;
import java.io.StringReader;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Coverage-guided fuzzing of the catalog's JSON lines reader: any text either reads as
 * items that satisfy the catalog's rules or fails with a {@link CatalogFormatException} naming the
 * line, which the server reports at start-up; nothing else may escape (an exception of another
 * kind would surface as a stack trace, or as INTERNAL from an upsert). Seeds run with every
 * build; {@code JAZZER_FUZZ=1} fuzzes from them.
 */
class CatalogJsonLinesFuzzTest {
  @ValueSource(
      strings = {
        "{\"item_id\":\"b1\",\"title\":\"Dune\",\"text\":\"desert\",\"attributes\":{\"genre\":\"sf\"}}\n",
        "{\"item_id\":\"v1\",\"title\":\"V\",\"embedding\":[0.1,0.2]}\n{\"item_id\":\"v2\",\"title\":\"W\",\"embedding\":[1e39,0]}\n",
        "{\"item_id\":\"b1\",\"title\":\"Dune\"}\n{\"item_id\":\"b1\",\"title\":\"Dup\"}\n",
        "{\"item_id\": 5}\n",
        "not json at all\n",
      })
  @FuzzTest(maxDuration = "30s")
  void jsonLinesReadAsValidItemsOrFailNamingTheLine(@NotNull String text) throws Exception {
    try {
      ReadItemChecks.assertWellFormed(CatalogFiles.readJsonLines(new BufferedReader(new StringReader(text)), "fuzz.jsonl"));
    } catch (CatalogFormatException expected) {
      assertThat(expected.getMessage()).startsWith("fuzz.jsonl");
    }
  }
}
