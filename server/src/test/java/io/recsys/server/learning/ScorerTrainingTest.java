package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervised scorer on a log with known structure: items come in 10 topics (their embeddings
 * cluster by topic), every user likes one topic. A learned scorer must rank a user's held-out item
 * far better than popularity, which cannot tell users apart.
 */
class ScorerTrainingTest {
  private static final int DIM = 16;
  private static final int ITEMS = 300;
  private static final int TOPICS = 10;

  @TempDir Path dir;

  private static CatalogSnapshot topicalCatalog(Random random) {
    float[][] centers = new float[TOPICS][DIM];
    for (float[] center : centers) {
      for (int d = 0; d < DIM; d++) {
        center[d] = (float) random.nextGaussian();
      }
    }
    List<CatalogItem> items = new ArrayList<>();
    float[] embeddings = new float[ITEMS * DIM];
    for (int i = 0; i < ITEMS; i++) {
      items.add(new CatalogItem("i" + i, "Item " + i, "", Map.of()));
      for (int d = 0; d < DIM; d++) {
        embeddings[i * DIM + d] = centers[i % TOPICS][d] + 0.3f * (float) random.nextGaussian();
      }
    }
    return CatalogSnapshot.of(items, embeddings, DIM);
  }

  private static List<Interaction> log(Random random) {
    List<Interaction> log = new ArrayList<>();
    long time = 0;
    for (int u = 0; u < 200; u++) {
      int topic = u % TOPICS;
      for (int n = 0; n < 8; n++) {
        int item = topic + TOPICS * random.nextInt(ITEMS / TOPICS);
        log.add(new Interaction("u" + u, "i" + item, 1, time++));
      }
      log.add(new Interaction("u" + u, "i" + ((topic + 1) % TOPICS), 0, time++));
    }
    return log;
  }

  @Test
  void theScorerBeatsPopularityOnHeldOutItemsAndItsExportedGraphRanksTheSame() throws Exception {
    Random random = new Random(3);
    CatalogSnapshot catalog = topicalCatalog(random);
    ScorerTraining.Settings settings = new ScorerTraining.Settings(8, 10, 4, 0.05, 1e-5, 10, 1);

    ScorerTraining.Result result = new ScorerTraining(settings).fit(catalog, log(random), done -> {});

    assertThat(result.model().users()).isEqualTo(200);
    assertThat(result.model().recall()).as("scorer recall@10").isGreaterThan(0.2);
    assertThat(result.model().recall()).isGreaterThan(3 * result.popularity().recall());
    assertThat(result.model().ndcg()).isGreaterThan(result.popularity().ndcg());

    byte[] graph = io.recsys.server.model.RetrievalGraph.exportWithWeights(result.itemMatrix(), result.bias(), 8, ITEMS);
    float[] user = result.users().get("u7");
    float[] onnx = ExportedScorer.topScores(graph, user, 5);
    double best = Double.NEGATIVE_INFINITY;
    for (int item = 0; item < ITEMS; item++) {
      double s = result.bias()[item];
      for (int d = 0; d < 8; d++) {
        s += user[d] * result.itemMatrix()[d * ITEMS + item];
      }
      best = Math.max(best, s);
    }
    assertThat((double) onnx[0]).isCloseTo(best, within(1e-4));
  }

  @Test
  void aMalformedInteractionRowNamesItsLine() throws Exception {
    Path csv = Files.writeString(dir.resolve("log.csv"), "user_id,item_id,label\nu1,i1,1\nu2,i2,7\n");

    assertThatThrownBy(() -> Interactions.readCsv(csv)).hasMessageContaining("log.csv:3: label must be 0 or 1");
  }
}
