package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.client.RecsysClient;
import io.recsys.server.learning.ModelStore;
import io.recsys.server.learning.QNetwork;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.policy.Exploration;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call's list does not depend on the calls it shares a batch with, also once a Q-network
 * re-ranks the candidates (here a stored version the server restores at start), over a socket.
 */
class BatchIndependenceTest {
  private static final int ITEMS = 800;
  private static final int DIM = 8;

  @TempDir static Path dir;
  private static VectorCatalogServer running;
  private static RecsysClient client;

  @BeforeAll
  static void start() throws Exception {
    Path dataDir = dir.resolve("data");
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 7));
      store.record(new ModelVersionInfo("v2", ModelVersionInfo.State.LIVE, Instant.now(), "a stored re-ranker"));
      store.setTrainingPaused(true); // it stays live
    }
    running = VectorCatalogServer.start(dir, 8, ITEMS, DIM, "i", config -> config.withExploration(Exploration.GREEDY));
    client = running.client;
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  @Test
  void aLargeKIsServedWholeNextToASmallOne() {
    assertThat(client.status().getModelVersion()).isEqualTo("v2");

    List<RecommendResponse> responses =
        client.recommendBatch(List.of(request("small", 3, List.of()), request("large", 500, List.of()))).getResponsesList();

    assertThat(responses.get(0).getItemsCount()).isEqualTo(3);
    assertThat(responses.get(1).getItemsCount()).isEqualTo(500);
    assertThat(responses.get(1).getModelVersion()).isEqualTo("v2");
  }

  @Test
  void aListIsTheSameAloneAndNextToAHeavilyExcludingNeighbour() {
    // The neighbour leaves itself 50 of 800 items, fewer than the 100 candidates a list is drawn from.
    List<String> excluded = new ArrayList<>();
    for (int i = 0; i < 750; i++) {
      excluded.add("i" + i);
    }

    RecommendResponse alone = client.recommendBatch(List.of(request("reader", 60, List.of()))).getResponses(0);
    List<RecommendResponse> together =
        client.recommendBatch(List.of(request("reader", 60, List.of()), request("picky", 60, excluded))).getResponsesList();

    assertThat(together.get(0).getItemsList()).extracting(RecommendedItem::getItemId)
        .containsExactlyElementsOf(alone.getItemsList().stream().map(RecommendedItem::getItemId).toList());
    for (int i = 0; i < alone.getItemsCount(); i++) {
      assertThat(together.get(0).getItems(i).getScore()).isCloseTo(alone.getItems(i).getScore(), within(1e-5f));
    }
    assertThat(together.get(1).getItemsCount()).isEqualTo(50);
  }

  private static RecommendRequest request(String user, int k, List<String> excluded) {
    return RecommendRequest.newBuilder().setUserId(user).setK(k).addAllExcludeItemIds(excluded).build();
  }
}
