package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DoubleValue;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.server.policy.EpsilonGreedy;
import io.recsys.server.policy.Exploration;
import io.recsys.server.user.ReactionType;
import io.recsys.v1.AttributeFilter;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.DeleteItemsRequest;
import io.recsys.v1.DeleteItemsResponse;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.GetItemRequest;
import io.recsys.v1.Item;
import io.recsys.v1.Reason;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.SimilarItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Business filters, catalog lifecycle, consumed items, explanations and diversity over real gRPC
 * on a real server, on 5,000 items with attributes (enough for the blocked top-k selection, where
 * the filters run inside the selection).
 */
class ListRulesIntegrationTest {
  private static final int ITEMS = 5_000;
  private static final int DIM = 16;
  private static final String[] GENRES = {"fantasy", "crime", "poetry", "history"};
  private static final int RARE = 7;

  @TempDir static Path dir;
  private static final Map<String, Map<String, String>> attributes = new HashMap<>();
  private static final Map<String, float[]> vectors = new HashMap<>();
  private static Path catalogFile;
  private static Path usersFile;
  private static final Map<String, float[]> userVectors = new HashMap<>();
  private static RecsysServer server;
  private static RecsysClient client;

  @BeforeAll
  static void start() throws IOException {
    SplittableRandom random = new SplittableRandom(5);
    StringBuilder catalog = new StringBuilder();
    for (int i = 0; i < ITEMS; i++) {
      String id = "b" + i;
      Map<String, String> itemAttributes = new HashMap<>();
      itemAttributes.put("genre", i % 700 == 0 ? "rare" : GENRES[i % GENRES.length]);
      if (i % 10 != 9) {
        itemAttributes.put("year", String.valueOf(1950 + i % 70));
      } else {
        itemAttributes.put("year", "unknown");
      }
      float[] vector = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        vector[d] = (float) (random.nextDouble() - 0.5);
      }
      attributes.put(id, itemAttributes);
      vectors.put(id, vector);
      catalog.append(
          String.format(
              Locale.ROOT, "{\"item_id\":\"%s\",\"title\":\"Book %d\",\"attributes\":{\"genre\":\"%s\",\"year\":\"%s\"},\"embedding\":%s}%n",
              id, i, itemAttributes.get("genre"), itemAttributes.get("year"), json(vector)));
    }
    catalogFile = Files.writeString(dir.resolve("catalog.jsonl"), catalog);
    StringBuilder users = new StringBuilder("user_id");
    IntStream.rangeClosed(1, DIM).forEach(d -> users.append(",v").append(d));
    for (int u = 0; u < 20; u++) {
      users.append("\nreader").append(u);
      float[] vector = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        vector[d] = Float.parseFloat(String.format(Locale.ROOT, "%.4f", random.nextDouble() - 0.5));
        users.append(',').append(String.format(Locale.ROOT, "%.4f", vector[d]));
      }
      userVectors.put("reader" + u, vector);
    }
    usersFile = Files.writeString(dir.resolve("users.csv"), users);
    // Content scoring alone (no collaborative learner, so no confidence bonus): a list is the
    // brute-force top k of the dot products, which the filter tests compare with.
    server = startServer(dir.resolve("data"), ListRulesIntegrationTest::contentOnly);
    client = RecsysClient.builder("localhost:" + server.port()).build();
  }

  private static RecsysServer startServer(Path dataDir, UnaryOperator<ServerConfig> settings) {
    try {
      return RecsysServer.start(
          settings.apply(ServerConfig.defaults(dataDir).withPort(0).withCatalogFile(catalogFile).withUserVectorsFile(usersFile)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static ServerConfig contentOnly(ServerConfig config) {
    return config.withExploration(Exploration.GREEDY).toBuilder().online(o -> o.withEnabled(false)).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.stop();
  }

  // ---- Filters

  @Test
  void filtersNeverLeakANonMatchingItemAndStillFillKWhenEnoughMatch() {
    List<AttributeFilter> crime = List.of(anyOf("genre", "crime"));
    List<AttributeFilter> recentNotPoetry = List.of(range("year", 2000.0, null), anyOf("genre", "poetry").toBuilder().setNegate(true).build());
    List<AttributeFilter> notInRange = List.of(range("year", 1955.0, 2015.0).toBuilder().setNegate(true).build());
    List<AttributeFilter> rare = List.of(anyOf("genre", "rare", "no-such-value"));
    for (List<AttributeFilter> filters : List.of(crime, recentNotPoetry, notInRange, rare)) {
      long matching = vectors.keySet().stream().filter(id -> matchesAll(id, filters)).count();
      for (String user : List.of("reader1", "reader2", "someone-new")) {
        RecommendResponse response = client.recommend(request(user, 100).addAllFilters(filters).build());
        assertThat(response.getItemsList())
            .as("%s for %s", filters, user)
            .hasSize((int) Math.min(100, matching))
            .allSatisfy(item -> assertThat(matchesAll(item.getItemId(), filters)).as(item.getItemId()).isTrue());
      }
    }
  }

  @Test
  void aFilteredListIsTheBruteForceTopKOfTheMatchingItems() {
    for (List<AttributeFilter> filters : List.of(List.of(anyOf("genre", "crime")), List.of(range("year", 1990.0, 1999.0)), List.of(anyOf("genre", "rare")))) {
      for (String user : List.of("reader3", "reader8")) {
        float[] u = userVectors.get(user);
        List<String> expected =
            vectors.keySet().stream()
                .filter(id -> matchesAll(id, filters))
                .sorted(java.util.Comparator.comparingDouble((String id) -> -dot(u, vectors.get(id))))
                .limit(20)
                .toList();
        assertThat(ids(client.recommend(request(user, 20).addAllFilters(filters).build()))).as("%s %s", user, filters).containsExactlyElementsOf(expected);
      }
    }
  }

  @Test
  void badFiltersAndDiversityAreInvalidArguments() {
    Map<String, RecommendRequest> bad = new HashMap<>();
    bad.put("unknown attribute", request("reader1", 5).addFilters(anyOf("genere", "crime")).build());
    bad.put("wrong case", request("reader1", 5).addFilters(anyOf("Genre", "crime")).build());
    bad.put("both forms", request("reader1", 5).addFilters(anyOf("year", "1999").toBuilder().setMin(DoubleValue.of(1))).build());
    bad.put("neither form", request("reader1", 5).addFilters(AttributeFilter.newBuilder().setAttribute("year")).build());
    bad.put("min above max", request("reader1", 5).addFilters(range("year", 2000.0, 1990.0)).build());
    bad.put("NaN bound", request("reader1", 5).addFilters(range("year", Double.NaN, null)).build());
    bad.put("empty attribute", request("reader1", 5).addFilters(AttributeFilter.newBuilder().addAnyOf("x")).build());
    bad.put("diversity above 1", request("reader1", 5).setDiversity(1.5f).build());
    bad.put("negative diversity", request("reader1", 5).setDiversity(-0.1f).build());
    bad.put("NaN diversity", request("reader1", 5).setDiversity(Float.NaN).build());
    var before = client.status();
    bad.forEach(
        (what, request) ->
            assertThatThrownBy(() -> client.recommend(request))
                .as(what)
                .isInstanceOfSatisfying(
                    StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT)));
    var after = client.status();
    assertThat(after.getCachedUsers()).as("no user state was made").isEqualTo(before.getCachedUsers());
    assertThat(after.getCatalogVersion()).isEqualTo(before.getCatalogVersion());
    assertThatThrownBy(() -> client.recommend(request("reader1", 5).addFilters(anyOf("genere", "crime")).build()))
        .hasMessageContaining("'genere'");
  }

  // ---- Catalog lifecycle

  @Test
  void deletedItemsLeaveEveryListAtOnceDurablyAndAnUpsertBringsThemBack(@TempDir Path own) throws Exception {
    RecsysServer deleting = startServer(own.resolve("data"), c -> c.withExploration(Exploration.GREEDY));
    List<String> top;
    try (RecsysClient c = RecsysClient.builder("localhost:" + deleting.port()).build()) {
      top = ids(c.recommend(request("reader4", 10).build())).subList(0, 3);
      var stub = CatalogServiceGrpc.newBlockingStub(c.channel());
      DeleteItemsResponse deleted = stub.deleteItems(DeleteItemsRequest.newBuilder().addAllItemIds(top).addItemIds("never-was").build());
      assertThat(deleted.getDeletedCount()).isEqualTo(3);
      assertThat(deleted.getMissingItemIdsList()).containsExactly("never-was");
      for (String user : List.of("reader4", "reader5", "someone-new")) {
        assertThat(ids(c.recommend(request(user, 500).build()))).doesNotContainAnyElementsOf(top);
      }
      assertThat(ids(c.recommend(request("reader4", 10).build()))).as("k still filled").hasSize(10);
      assertThatThrownBy(() -> stub.getItem(GetItemRequest.newBuilder().setItemId(top.get(0)).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertThat(stub.deleteItems(DeleteItemsRequest.newBuilder().addAllItemIds(top).build()).getMissingItemIdsList())
          .as("idempotent").containsExactlyElementsOf(top);
      assertThatThrownBy(() -> stub.deleteItems(DeleteItemsRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    } finally {
      deleting.stop();
    }
    RecsysServer restarted = startServer(own.resolve("data"), c -> c.withExploration(Exploration.GREEDY));
    try (RecsysClient c = RecsysClient.builder("localhost:" + restarted.port()).build()) {
      assertThat(ids(c.recommend(request("reader4", 500).build()))).as("after a restart").doesNotContainAnyElementsOf(top);
      c.upsertItems(List.of(item(top.get(0), false)));
      assertThat(ids(c.recommend(request("reader4", 10).build()))).as("upserted back").contains(top.get(0));
    } finally {
      restarted.stop();
    }
  }

  @Test
  void anUnavailableItemIsNotServedUntilItIsAvailableAgain() {
    String best = ids(client.recommend(request("reader6", 1).build())).get(0);
    client.upsertItems(List.of(item(best, true)));
    try {
      assertThat(client.getItem(best).getUnavailable()).isTrue();
      assertThat(ids(client.recommend(request("reader6", 500).build()))).doesNotContain(best);
    } finally {
      client.upsertItems(List.of(item(best, false)));
    }
    assertThat(ids(client.recommend(request("reader6", 1).build()))).containsExactly(best);
  }

  // ---- Consumed items

  @Test
  void aPurchasedItemNeverComesBackWhenPurchasesAreConsumingAndAClickedOneDoes(@TempDir Path own) throws Exception {
    RecsysServer shop = startServer(own.resolve("data"), c -> c.withExploration(Exploration.GREEDY).toBuilder().consumedBy(Set.of(ReactionType.PURCHASE)).build());
    try (RecsysClient c = RecsysClient.builder("localhost:" + shop.port()).build()) {
      RecommendResponse list = c.recommend(request("reader7", 5).build());
      String bought = list.getItems(0).getItemId();
      String clicked = list.getItems(1).getItemId();
      c.reportFeedback(event(list, "reader7", bought, FeedbackType.FEEDBACK_TYPE_PURCHASE));
      c.reportFeedback(event(list, "reader7", clicked, FeedbackType.FEEDBACK_TYPE_CLICK));
      awaitList(c, request("reader7", 500).build(), l -> !ids(l).contains(bought));
      for (int i = 0; i < 5; i++) {
        List<String> later = ids(c.recommend(request("reader7", 500).build()));
        assertThat(later).doesNotContain(bought).contains(clicked).hasSize(500);
      }
    } finally {
      shop.stop();
    }
  }

  // ---- Explanations

  @Test
  void explanationsNameOnlyItemsTheUserReactedToPositively() throws Exception {
    String user = "explained-user";
    Set<String> positive = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      RecommendResponse list = client.recommend(request(user, 10).build());
      client.reportFeedback(event(list, user, list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK));
      client.reportFeedback(event(list, user, list.getItems(1).getItemId(), FeedbackType.FEEDBACK_TYPE_LIKE));
      client.reportFeedback(event(list, user, list.getItems(2).getItemId(), FeedbackType.FEEDBACK_TYPE_SKIP));
      client.reportFeedback(event(list, user, list.getItems(3).getItemId(), FeedbackType.FEEDBACK_TYPE_DISLIKE));
      positive.add(list.getItems(0).getItemId());
      positive.add(list.getItems(1).getItemId());
    }
    RecommendResponse explained =
        awaitList(
            client, request(user, 30).setExplain(true).build(),
            l -> l.getItemsList().stream().anyMatch(i -> i.getExplanation().getReason() == Reason.REASON_SIMILAR_TO_YOUR_ITEMS));
    for (RecommendedItem item : explained.getItemsList()) {
      assertThat(item.getExplanation().getReason()).as(item.getItemId()).isNotEqualTo(Reason.REASON_UNSPECIFIED);
      assertThat(item.getExplanation().getSimilarItemsList()).extracting(SimilarItem::getItemId).allSatisfy(id -> assertThat(positive).contains(id));
      for (SimilarItem similar : item.getExplanation().getSimilarItemsList()) {
        assertThat(similar.getSimilarity()).isCloseTo((float) cosine(vectors.get(item.getItemId()), vectors.get(similar.getItemId())), org.assertj.core.api.Assertions.within(1e-4f));
      }
    }
    assertThat(client.recommend(request(user, 5).build()).getItems(0).hasExplanation()).as("only when asked").isFalse();
    RecommendResponse cold = client.recommend(request("nobody-knows-me", 5).setExplain(true).build());
    assertThat(cold.getItemsList())
        .as("a user with no reactions has no items of their own to cite")
        .allSatisfy(i -> assertThat(i.getExplanation().getReason()).isEqualTo(Reason.REASON_POPULAR));
  }

  @Test
  void exploringIsTheReasonExactlyWhenExplorationDrewTheItem(@TempDir Path own) {
    RecsysServer exploring = startServer(own.resolve("data"), c -> c.withExploration(new EpsilonGreedy(0.5)));
    try (RecsysClient c = RecsysClient.builder("localhost:" + exploring.port()).build()) {
      int explored = 0;
      for (int i = 0; i < 20; i++) {
        RecommendResponse list = c.recommend(request("reader" + (i % 20), 10).setExplain(true).build());
        for (RecommendedItem item : list.getItemsList()) {
          boolean saysExploring = item.getExplanation().getReason() == Reason.REASON_EXPLORING;
          assertThat(saysExploring).as("%s at %d", item.getItemId(), item.getPosition()).isEqualTo(item.getExplored());
          if (saysExploring) {
            assertThat(item.getExplanation().getPropensity()).isEqualTo(item.getPropensity());
            explored++;
          }
        }
      }
      assertThat(explored).as("epsilon 0.5 explores").isGreaterThan(20);
    } finally {
      exploring.stop();
    }
  }

  // ---- Diversity

  @Test
  void diversityZeroIsTodaysListAndDiversityOneLowersIntraListSimilarity() {
    double plain = 0;
    double diverse = 0;
    int users = 20;
    for (int u = 0; u < users; u++) {
      String user = "reader" + u;
      RecommendResponse today = client.recommend(request(user, 10).build());
      RecommendResponse zero = client.recommend(request(user, 10).setDiversity(0).build());
      assertThat(ids(zero)).as(user).containsExactlyElementsOf(ids(today));
      RecommendResponse one = client.recommend(request(user, 10).setDiversity(1).build());
      assertThat(one.getItemsList()).hasSize(10).allSatisfy(i -> assertThat(i.getPropensity()).isEqualTo(1f));
      plain += intraListSimilarity(ids(today)) / users;
      diverse += intraListSimilarity(ids(one)) / users;
    }
    System.out.printf(Locale.ROOT, "intra-list similarity over %d users, k=10: diversity 0 %.3f, diversity 1 %.3f%n", users, plain, diverse);
    assertThat(diverse).as("diversity 1 (%.3f) vs 0 (%.3f)", diverse, plain).isLessThan(plain - 0.1);
  }

  // ---- Helpers

  private static RecommendResponse awaitList(RecsysClient c, RecommendRequest request, Predicate<RecommendResponse> done) throws InterruptedException {
    long until = System.nanoTime() + 15_000_000_000L;
    RecommendResponse response = c.recommend(request);
    while (!done.test(response)) {
      assertThat(System.nanoTime()).as("the reactions took effect within 15 s").isLessThan(until);
      Thread.sleep(50);
      response = c.recommend(request);
    }
    return response;
  }

  private static double intraListSimilarity(List<String> ids) {
    double sum = 0;
    int pairs = 0;
    for (int a = 0; a < ids.size(); a++) {
      for (int b = a + 1; b < ids.size(); b++) {
        sum += cosine(vectors.get(ids.get(a)), vectors.get(ids.get(b)));
        pairs++;
      }
    }
    return sum / pairs;
  }

  private static double dot(float[] a, float[] b) {
    double dot = 0;
    for (int d = 0; d < a.length; d++) {
      dot += a[d] * b[d];
    }
    return dot;
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int d = 0; d < a.length; d++) {
      dot += a[d] * b[d];
      na += a[d] * a[d];
      nb += b[d] * b[d];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static boolean matchesAll(String id, List<AttributeFilter> filters) {
    for (AttributeFilter filter : filters) {
      String value = attributes.get(id).get(filter.getAttribute());
      boolean holds;
      if (filter.getAnyOfCount() > 0) {
        holds = value != null && filter.getAnyOfList().contains(value);
      } else {
        double number;
        try {
          number = Double.parseDouble(value);
        } catch (NumberFormatException | NullPointerException e) {
          number = Double.NaN;
        }
        holds = (!filter.hasMin() || number >= filter.getMin().getValue()) && (!filter.hasMax() || number <= filter.getMax().getValue()) && !Double.isNaN(number);
      }
      if (holds == filter.getNegate()) {
        return false;
      }
    }
    return true;
  }

  private static FeedbackEvent event(RecommendResponse list, String user, String itemId, FeedbackType type) {
    return FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId(user).setItemId(itemId).setType(type).build();
  }

  private static Item item(String id, boolean unavailable) {
    Item.Builder item = Item.newBuilder().setItemId(id).setTitle("Book").putAllAttributes(attributes.get(id)).setUnavailable(unavailable);
    for (float value : vectors.get(id)) {
      item.addEmbedding(value);
    }
    return item.build();
  }

  private static RecommendRequest.Builder request(String user, int k) {
    return RecommendRequest.newBuilder().setUserId(user).setK(k);
  }

  private static AttributeFilter anyOf(String attribute, String... values) {
    return AttributeFilter.newBuilder().setAttribute(attribute).addAllAnyOf(List.of(values)).build();
  }

  private static AttributeFilter range(String attribute, Double min, Double max) {
    AttributeFilter.Builder filter = AttributeFilter.newBuilder().setAttribute(attribute);
    if (min != null) {
      filter.setMin(DoubleValue.of(min));
    }
    if (max != null) {
      filter.setMax(DoubleValue.of(max));
    }
    return filter.build();
  }

  private static List<String> ids(RecommendResponse response) {
    List<String> ids = new ArrayList<>();
    response.getItemsList().forEach(i -> ids.add(i.getItemId()));
    return ids;
  }

  private static String json(float[] vector) {
    StringBuilder out = new StringBuilder("[");
    for (int d = 0; d < vector.length; d++) {
      out.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", vector[d]));
    }
    return out.append(']').toString();
  }
}
