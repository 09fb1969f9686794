package io.recsys.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.recsys.server.catalog.CatalogItem;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Medians over seeds, and the hidden-truth families' groups. */
class SeedSummaryTest {
  private static JsonObject summary(double vsOracle, long reward, Long recovery) {
    JsonObject recoveries = new JsonObject();
    if (recovery == null) {
      recoveries.add("abrupt@100", JsonNull.INSTANCE);
    } else {
      recoveries.addProperty("abrupt@100", recovery);
    }
    JsonObject learning = new JsonObject();
    learning.addProperty("ctr_second_half_vs_oracle", vsOracle);
    learning.addProperty("cumulative_reward", reward);
    learning.add("recovery_impressions", recoveries);
    JsonObject linUcb = new JsonObject();
    linUcb.addProperty("ctr_second_half_vs_oracle", 0.5);
    linUcb.addProperty("cumulative_reward", 100);
    linUcb.add("recovery_impressions", recoveries.deepCopy());
    JsonObject policies = new JsonObject();
    policies.add("server-learning", learning);
    policies.add("linucb", linUcb);
    JsonObject summary = new JsonObject();
    summary.add("config", new JsonObject());
    summary.add("policies", policies);
    return summary;
  }

  @Test
  void mediansCountARunThatNeverRecoveredAsTheLongest() {
    String md =
        SeedSummary.markdown(
            List.of(summary(0.2, 120, 900L), summary(0.4, 150, null), summary(0.3, 90, 300L)),
            Drift.parse("abrupt@100", 0));

    assertThat(md).contains("| server-learning | 0.30 (0.20 to 0.40) | 120 (90 to 150) | 900 (2/3 recovered) |");
    assertThat(md).contains("server-learning's cumulative reward / linucb's: 1.20 (0.90 to 1.50)");
  }

  @Test
  void genresCutAcrossAuthorsAndFollowTheSeed() {
    List<CatalogItem> items =
        IntStream.range(0, 2_000)
            .mapToObj(i -> new CatalogItem("b" + i, "Book " + i, "", Map.of("authors", "author-" + (i % 10))))
            .toList();

    List<String> authors = TruthFamily.AUTHORS.groupsOf(items, 1);
    List<String> genres = TruthFamily.GENRES.groupsOf(items, 1);

    assertThat(authors.get(0)).isEqualTo("author-0");
    assertThat(genres).isEqualTo(TruthFamily.GENRES.groupsOf(items, 1)).isNotEqualTo(TruthFamily.GENRES.groupsOf(items, 2));
    assertThat(genres.stream().distinct().count()).isEqualTo(TruthFamily.GENRE_COUNT);
    // One author's books spread over many genres.
    long genresOfAuthor0 = IntStream.range(0, items.size()).filter(i -> authors.get(i).equals("author-0")).mapToObj(genres::get).distinct().count();
    assertThat(genresOfAuthor0).isGreaterThan(TruthFamily.GENRE_COUNT / 2);
  }
}
