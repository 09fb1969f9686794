package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.server.policy.Exploration;
import io.recsys.v1.Item;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a vector catalog over a real socket: items bring their own vectors, users start
 * from a vectors file, lists rank by the dot product, and upserts must bring vectors of the
 * catalog's dimension.
 */
class VectorCatalogServerTest {
  private static final int ITEMS = 300;
  private static final int DIM = 8;
  private static float[][] itemVectors;
  private static float[] readerVector;
  private static float[] collectorVector;
  private static RecsysServer server;
  private static RecsysClient client;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws IOException {
    SplittableRandom random = new SplittableRandom(5);
    itemVectors = new float[ITEMS][DIM];
    StringBuilder catalog = new StringBuilder();
    for (int i = 0; i < ITEMS; i++) {
      for (int d = 0; d < DIM; d++) {
        itemVectors[i][d] = (float) (random.nextDouble() - 0.5);
      }
      catalog.append(String.format(Locale.ROOT, "{\"item_id\":\"v%d\",\"title\":\"Vector item %d\",\"embedding\":%s}%n",
          i, i, json(itemVectors[i])));
    }
    readerVector = randomVector(random);
    collectorVector = randomVector(random);
    StringBuilder users = new StringBuilder("user_id");
    IntStream.rangeClosed(1, DIM).forEach(d -> users.append(",v").append(d));
    appendUser(users, "reader", readerVector);
    appendUser(users, "collector", collectorVector);
    ServerConfig defaults = ServerConfig.defaults(dir.resolve("data"));
    ServerConfig config =
        defaults
            .withPort(0)
            .withCatalogFile(Files.writeString(dir.resolve("catalog.jsonl"), catalog))
            .withUserVectorsFile(Files.writeString(dir.resolve("users.csv"), users))
            .withExploration(Exploration.GREEDY)
            .withFeedback(defaults.feedback().withLearning(false));
    server = RecsysServer.start(config);
    client = RecsysClient.builder("localhost:" + server.port()).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.stop();
  }

  @Test
  void aUserFromTheVectorsFileGetsTheItemsWithTheHighestDotProduct() {
    // "fresh" (the upsert test's item) may or may not exist yet, depending on test order.
    RecommendResponse response = client.recommend("reader", 10, List.of("fresh"));

    List<String> expected =
        IntStream.range(0, ITEMS)
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -dot(readerVector, itemVectors[i])))
            .limit(10)
            .map(i -> "v" + i)
            .toList();
    assertThat(response.getItemsList()).extracting(RecommendedItem::getItemId).containsExactlyElementsOf(expected);
    assertThat(response.getItems(0).getScore()).isCloseTo(dot(readerVector, itemVectors[Integer.parseInt(expected.get(0).substring(1))]), within(1e-5f));
  }

  @Test
  void anUpsertWithTheWrongDimensionIsInvalidAndChangesNothing() {
    long version = client.status().getCatalogVersion();
    Item textOnly = Item.newBuilder().setItemId("t1").setTitle("No vector").build();
    Item tooShort = Item.newBuilder().setItemId("t2").setTitle("Short").addEmbedding(1).build();

    for (Item bad : List.of(textOnly, tooShort)) {
      assertThatThrownBy(() -> client.upsertItems(List.of(bad)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("must carry an embedding of 8 values");
          });
    }
    assertThat(client.status().getCatalogVersion()).isEqualTo(version);
  }

  @Test
  void anUpsertedVectorItemIsRecommendableWhenTheCallReturns() {
    List<Float> aligned = new ArrayList<>();
    for (float value : collectorVector) {
      aligned.add(value * 100); // far ahead of every other item for the collector
    }
    client.upsertItems(List.of(Item.newBuilder().setItemId("fresh").setTitle("Fresh").addAllEmbedding(aligned).build()));

    assertThat(client.recommend("collector", 1).getItems(0).getItemId()).isEqualTo("fresh");
    assertThat(client.getItem("fresh").getEmbeddingList()).containsExactlyElementsOf(aligned);
  }

  private static float[] randomVector(SplittableRandom random) {
    float[] vector = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      vector[d] = (float) (random.nextDouble() - 0.5);
    }
    return vector;
  }

  private static void appendUser(StringBuilder csv, String userId, float[] vector) {
    csv.append('\n').append(userId);
    for (float value : vector) {
      csv.append(',').append(value);
    }
  }

  private static float dot(float[] a, float[] b) {
    float sum = 0;
    for (int d = 0; d < a.length; d++) {
      sum += a[d] * b[d];
    }
    return sum;
  }

  private static String json(float[] vector) {
    StringBuilder json = new StringBuilder("[");
    for (int d = 0; d < vector.length; d++) {
      json.append(d == 0 ? "" : ",").append(vector[d]);
    }
    return json.append(']').toString();
  }
}
