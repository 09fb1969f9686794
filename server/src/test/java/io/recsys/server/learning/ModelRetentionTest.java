package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.evaluation.RewardRange;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.model.ModelVersionInfo.State;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.policy.EpsilonGreedy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The models directory and ListModelVersions stay bounded however many versions the trainer makes. */
class ModelRetentionTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(4), 30, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);

  @TempDir Path dataDir;

  @Test
  void thePolicyKeepsTheNewestTheBaselineAndEveryLiveVersion() {
    List<ModelVersionInfo> history =
        List.of(info("v1", State.RETIRED), info("v2", State.RETIRED), info("v3", State.LIVE), info("v4", State.REJECTED),
            info("v5", State.RETIRED), info("v6", State.REJECTED), info("v7", State.REJECTED));

    assertThat(new ModelRetention(2).toForget(history)).containsExactly("v2", "v4", "v5");
    assertThat(new ModelRetention(4).toForget(history)).containsExactly("v2");
    assertThat(new ModelRetention(5).toForget(history)).isEmpty();
    assertThatThrownBy(() -> new ModelRetention(0)).hasMessageContaining("at least 1");
  }

  @Test
  void theStoreForgetsWeightsAndHistoryPastTheLimitAndStaysSoAcrossRestarts() throws Exception {
    ModelRetention keepThree = new ModelRetention(3);
    List<String> forgotten = new ArrayList<>();
    try (ModelStore store = ModelStore.open(dataDir, keepThree)) {
      store.record(info("v1", State.LIVE));
      String live = "v1";
      for (int v = 2; v <= 40; v++) {
        String version = "v" + v;
        if (v % 4 == 0) { // every fourth passes the gate: weights, live; the one before retires
          store.saveWeights(version, QNetwork.initialised(DIM, 8, 8, 8, v));
          forgotten.addAll(store.record(info(version, State.LIVE)));
          forgotten.addAll(store.record(info(live, State.RETIRED)));
          live = version;
        } else {
          forgotten.addAll(store.record(info(version, State.REJECTED)));
        }
      }
      assertThat(names(store.versions())).containsExactly("v1", "v37", "v38", "v39", "v40");
      assertThat(store.versions().get(4).state()).isEqualTo(State.LIVE);
    }
    assertThat(forgotten).hasSize(35).doesNotContain("v1", "v40").doesNotHaveDuplicates();
    assertThat(weightFiles()).containsExactly("v40.qnet");

    long historyBytes = Files.size(dataDir.resolve("models").resolve("history.log"));
    try (ModelStore store = ModelStore.open(dataDir, keepThree)) {
      assertThat(names(store.versions())).containsExactly("v1", "v37", "v38", "v39", "v40");
      assertThat(store.loadWeights("v40").dimension()).isEqualTo(DIM);
    }
    assertThat(historyBytes).as("one record per kept version, not one per state change").isLessThan(5 * 200);
  }

  @Test
  void aDataDirFromBeforeRetentionShrinksOnOpenAndOrphanedWeightsGo() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir, new ModelRetention(100))) {
      for (int v = 2; v <= 12; v++) {
        store.saveWeights("v" + v, QNetwork.initialised(DIM, 8, 8, 8, v));
        store.record(info("v" + v, v == 12 ? State.LIVE : State.RETIRED));
      }
    }
    // A crash between compacting the history and deleting weights leaves a file nobody names.
    Files.copy(dataDir.resolve("models").resolve("v12.qnet"), dataDir.resolve("models").resolve("v99.qnet"));

    try (ModelStore store = ModelStore.open(dataDir, new ModelRetention(2))) {
      assertThat(names(store.versions())).containsExactly("v10", "v11", "v12");
    }
    assertThat(weightFiles()).containsExactly("v10.qnet", "v11.qnet", "v12.qnet");
  }

  @Test
  void listModelVersionsForgetsWhatTheStoreForgot() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir, new ModelRetention(100))) {
      for (int v = 2; v <= 9; v++) {
        store.record(info("v" + v, State.REJECTED));
      }
    }
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
        ModelStore store = ModelStore.open(dataDir, new ModelRetention(100));
        LearningLoop loop = loop(registry, store)) {
      assertThat(names(registry.versions())).hasSize(9);
      registry.forget(List.of("v1", "v2", "v3"));
      assertThat(names(registry.versions())).as("newest first; the baseline is never forgotten")
          .containsExactly("v9", "v8", "v7", "v6", "v5", "v4", "v1");
    }
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
        ModelStore store = ModelStore.open(dataDir, new ModelRetention(2));
        LearningLoop loop = loop(registry, store)) {
      assertThat(names(registry.versions())).containsExactly("v9", "v8", "v1");
      assertThatThrownBy(() -> loop.pin("v3")).isInstanceOf(java.util.NoSuchElementException.class);
    }
  }

  private LearningLoop loop(ModelRegistry registry, ModelStore store) {
    return new LearningLoop(
        LearningSettings.defaults(), new ReplayBuffer(10), () -> CATALOG, registry,
        new SafetyGate(0.02, new EpsilonGreedy(0.05), 100, new QRange(0, 10), RewardRange.RATE, new OffPolicyEvaluation(100, 0.95, 1)),
        store, new QRange(0, 10), DIM);
  }

  private List<String> weightFiles() throws Exception {
    try (Stream<Path> files = Files.list(dataDir.resolve("models"))) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".qnet")).sorted((a, b) ->
          Integer.compare(Integer.parseInt(a.replaceAll("\\D", "")), Integer.parseInt(b.replaceAll("\\D", "")))).toList();
    }
  }

  private static List<String> names(List<ModelVersionInfo> versions) {
    return versions.stream().map(ModelVersionInfo::version).toList();
  }

  private static ModelVersionInfo info(String version, State state) {
    return new ModelVersionInfo(version, state, Instant.parse("2026-11-29T10:00:00Z"), "test " + version);
  }
}
