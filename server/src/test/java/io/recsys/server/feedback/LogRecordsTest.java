package io.recsys.server.feedback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.ItemIdList;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The impression record is encoded by hand, straight into its bytes: it must be byte for byte
 * what protobuf's own builder writes, for every shape a served list can take.
 */
class LogRecordsTest {
  @Test
  void encodedImpressionEqualsWhatTheBuilderWrites() {
    Random random = new Random(7);
    for (int trial = 0; trial < 500; trial++) {
      Impression impression = randomImpression(random);
      assertArrayEquals(built(impression).toByteArray(), LogRecords.encode(impression), "trial " + trial);
    }
  }

  @Test
  void encodedImpressionReadsBackAsTheSameList() throws Exception {
    Impression impression = randomImpression(new Random(11));
    ImpressionRecord record = LogRecord.parseFrom(LogRecords.encode(impression)).getImpression();
    CatalogSnapshot catalog = catalogOf(List.of("unrelated"));
    Impression back = LogRecords.impressionOf(record, impression.timeMicros, catalog, row -> catalog.item(row).id());
    assertEquals(impression.eventId, back.eventId);
    assertEquals(impression.userId, back.userId);
    assertEquals(impression.items, back.items);
    assertEquals(impression.candidates, back.candidates);
    assertArrayEquals(impression.propensities, back.propensities);
    assertEquals(impression.modelVersion, back.modelVersion);
    assertEquals(impression.state, back.state);
  }

  @Test
  void replayedCandidatesBecomeCatalogRowsWhenTheCatalogHasThemAll() throws Exception {
    List<String> candidates = List.of("b", "d", "a", "c");
    Impression impression =
        new Impression("e1", "u1", List.of("b", "d"), candidates, new float[] {0.5f, 0.25f}, "v1", 7, StateCodec.encode(new float[] {1, 2}, 0, 2));
    ImpressionRecord record = LogRecord.parseFrom(LogRecords.encode(impression)).getImpression();
    CatalogSnapshot catalog = catalogOf(List.of("a", "b", "c", "d", "e"));
    Impression known = LogRecords.impressionOf(record, 0, catalog, row -> catalog.item(row).id());
    assertThat(known.candidates).isInstanceOf(ItemIdList.class).isEqualTo(candidates);

    CatalogSnapshot smaller = catalogOf(List.of("a", "b", "d"));
    Impression oneGone = LogRecords.impressionOf(record, 0, smaller, row -> smaller.item(row).id());
    assertThat(oneGone.candidates).as("an id the catalog lost keeps the list as ids").isNotInstanceOf(ItemIdList.class)
        .isEqualTo(candidates);
  }

  private static CatalogSnapshot catalogOf(List<String> ids) {
    List<CatalogItem> items = new ArrayList<>();
    for (String id : new LinkedHashSet<>(ids)) {
      items.add(new CatalogItem(id, "title " + id, "", Map.of()));
    }
    return CatalogSnapshot.of(items, new float[items.size()], 1);
  }

  /** The reference: the message built field by field, as the log wrote it before. */
  private static LogRecord built(Impression impression) {
    ImpressionRecord.Builder record =
        ImpressionRecord.newBuilder()
            .setEventId(impression.eventId)
            .setUserId(impression.userId)
            .addAllItemIds(impression.items)
            .addAllCandidateIds(impression.candidates)
            .setModelVersion(impression.modelVersion)
            .setUserState(impression.state);
    for (float propensity : impression.propensities) {
      record.addPropensities(propensity);
    }
    return LogRecord.newBuilder().setServerTimeMicros(impression.timeMicros).setImpression(record).build();
  }

  /** Empty and non-ASCII strings, no candidates, time 0, lists long enough for multi-byte lengths. */
  private static Impression randomImpression(Random random) {
    int shown = random.nextInt(25);
    int candidateCount = random.nextBoolean() ? 0 : shown + random.nextInt(300);
    List<String> items = new ArrayList<>();
    float[] propensities = new float[shown];
    for (int i = 0; i < shown; i++) {
      items.add(randomString(random));
      propensities[i] = random.nextInt(10) == 0 ? 0f : random.nextFloat();
    }
    List<String> candidates = new ArrayList<>(items);
    while (candidates.size() < candidateCount) {
      candidates.add(randomString(random));
    }
    if (candidateCount == 0) {
      candidates.clear();
    }
    float[] state = new float[random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(400)];
    for (int i = 0; i < state.length; i++) {
      state[i] = (float) random.nextGaussian();
    }
    long time = random.nextInt(5) == 0 ? 0 : random.nextLong() & Long.MAX_VALUE;
    return new Impression(
        randomString(random), randomString(random), items, candidates, propensities, randomString(random), time,
        StateCodec.encode(state, 0, state.length));
  }

  private static String randomString(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> "";
      case 1 -> "livre-é-" + random.nextInt(1000) + "-书";
      case 2 -> "x".repeat(100 + random.nextInt(200)); // a length that needs two varint bytes
      default -> "item-" + random.nextInt(1_000_000);
    };
  }
}
