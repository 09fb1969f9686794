package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.BufferedReader;
import java.io.StringReader;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Coverage-guided fuzzing of the catalog's CSV reader: any text either reads as
 * items that satisfy the catalog's rules or fails with a {@link CatalogFormatException} naming the
 * line, which the server reports at start-up; nothing else may escape (an exception of another
 * kind would surface as a stack trace, or as INTERNAL from an upsert). Seeds run with every
 * build; {@code JAZZER_FUZZ=1} fuzzes from them.
 */
class CatalogCsvFuzzTest {
  @ValueSource(
      strings = {
        "item_id,title,text\nb1,Dune,desert planet\nb2,Emma,\"a matchmaker, in a village\"\n",
        "item_id,title,embedding,genre\nb1,Dune,0.1 0.2 0.3,sf\nb2,Emma,0.3 nan 1,\n",
        "item_id,title\nb1,Dune\nb1,Dune again\n",
        "title\nno id column\n",
        "item_id,title,text\n\"unterminated,x,y\n",
        // What fuzzing found (each escaped as commons-csv's own exception; CatalogFilesTest too):
        "item_id,title,embedding\u0001,\n1,x,0.1,\n", // an empty header name
        "item_id,title,title,embeddext\nb1,Dune,x,y\n", // a repeated header name
        "item_id,\"title\n", // a quote the header never closes
      })
  @FuzzTest(maxDuration = "30s")
  void csvReadsAsValidItemsOrFailsNamingTheLine(@NotNull String text) throws Exception {
    try {
      ReadItemChecks.assertWellFormed(CatalogFiles.readCsv(new StringReader(text), "fuzz.csv"));
    } catch (CatalogFormatException expected) {
      assertThat(expected.getMessage()).startsWith("fuzz.csv");
    }
  }
}
