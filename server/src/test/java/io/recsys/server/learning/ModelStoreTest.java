package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.evaluation.OffPolicyEvaluation;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.model.OnnxRuntime;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions in the data dir: restored on restart, refused when damaged, pinned on demand. */
class ModelStoreTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(4), 30, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);

  @TempDir Path dataDir;

  @Test
  void weightsRoundTripExactly() throws IOException {
    QNetwork network = QNetwork.initialised(DIM, 32, 64, 32, 9);
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v3", network);

      assertThat(store.loadWeights("v3").weights()).containsExactly(network.weights());
    }
  }

  @Test
  void aRestartServesTheLastPublishedVersionAgain() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 1));
      store.record(info("v2", ModelVersionInfo.State.LIVE));
      store.record(info("v1", ModelVersionInfo.State.RETIRED));
      store.record(info("v3", ModelVersionInfo.State.REJECTED));
    }

    ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (LearningLoop loop = loop(registry)) {
      assertThat(registry.liveVersion()).isEqualTo("v2");
      assertThat(registry.versions()).extracting(ModelVersionInfo::version).contains("v1", "v2", "v3");
    } finally {
      registry.close();
    }
  }

  @Test
  void storedWeightsOfOtherLayerSizesAreRefusedAndTheBaselineServes() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 4, 8, 4, 1));
      store.record(info("v2", ModelVersionInfo.State.LIVE));
    }

    ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (LearningLoop loop = loop(registry)) {
      assertThat(registry.liveVersion()).isEqualTo("v1");
      try (var lease = registry.acquire()) {
        assertThat(lease.model().ranker()).as("nothing of v2 serves").isNull();
      }
    } finally {
      registry.close();
    }
    assertThatThrownBy(() -> QNetwork.initialised(DIM, 32, 64, 32, 1).copyFrom(QNetwork.initialised(DIM, 4, 8, 4, 1)))
        .hasMessage("the network has layers 12 -> 4 -> 8 -> 4, the trainer is configured for 12 -> 32 -> 64 -> 32");
  }

  @Test
  void aDamagedWeightsFileIsRefusedAndTheBaselineServes() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 1));
      store.record(info("v2", ModelVersionInfo.State.LIVE));
    }
    try (RandomAccessFile raw = new RandomAccessFile(dataDir.resolve("models/v2.qnet").toFile(), "rw")) {
      raw.seek(100);
      raw.write(raw.read() ^ 0x10);
    }
    try (ModelStore store = ModelStore.open(dataDir)) {
      assertThatThrownBy(() -> store.loadWeights("v2")).hasMessageContaining("fails its checksum");
    }

    ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (LearningLoop loop = loop(registry)) {
      assertThat(registry.liveVersion()).isEqualTo("v1");
    } finally {
      registry.close();
    }
  }

  @Test
  void pinningRollsBackAndRefusesUnknownRejectedOrDamagedVersions() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 1));
      store.record(info("v2", ModelVersionInfo.State.RETIRED));
      store.saveWeights("v3", QNetwork.initialised(DIM, 32, 64, 32, 2));
      store.record(info("v3", ModelVersionInfo.State.LIVE));
      store.record(info("v4", ModelVersionInfo.State.REJECTED));
      store.saveWeights("v5", QNetwork.initialised(DIM, 32, 64, 32, 3));
      store.record(info("v5", ModelVersionInfo.State.RETIRED));
    }
    try (RandomAccessFile raw = new RandomAccessFile(dataDir.resolve("models/v5.qnet").toFile(), "rw")) {
      raw.setLength(raw.length() - 9);
    }
    ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (LearningLoop loop = loop(registry)) {
      assertThat(registry.liveVersion()).isEqualTo("v3");

      loop.pin("v2");
      assertThat(registry.liveVersion()).isEqualTo("v2");
      assertThat(loop.isPaused()).isTrue();
      loop.pin("v1");
      assertThat(registry.liveVersion()).isEqualTo("v1");

      assertThatThrownBy(() -> loop.pin("v9")).isInstanceOf(NoSuchElementException.class);
      assertThatThrownBy(() -> loop.pin("v4")).hasMessageContaining("rejected by the safety gate");
      assertThatThrownBy(() -> loop.pin("v5")).hasMessageContaining("cannot be loaded").hasMessageContaining("truncated");
      assertThat(registry.liveVersion()).as("a failed pin changes nothing").isEqualTo("v1");
    } finally {
      registry.close();
    }
  }

  @Test
  void aPinThatCannotBeRecordedChangesNothing() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 1));
      store.record(info("v2", ModelVersionInfo.State.RETIRED));
    }
    ModelStore store = ModelStore.open(dataDir);
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
        LearningLoop loop = new LearningLoop(
            LearningSettings.defaults(), new ReplayBuffer(10), () -> CATALOG, registry,
            new SafetyGate(0.02, new io.recsys.server.policy.EpsilonGreedy(0.05), 100, new QRange(0, 10), io.recsys.server.evaluation.RewardRange.RATE, new OffPolicyEvaluation(100, 0.95, 1)), store, new QRange(0, 10), DIM)) {
      store.close(); // the history can no longer be written

      assertThatThrownBy(() -> loop.pin("v2")).isInstanceOf(IOException.class);

      assertThat(registry.liveVersion()).isEqualTo("v1");
      assertThat(loop.isPaused()).isFalse();
      assertThat(store.trainingPaused()).as("the pause marker was taken back").isFalse();
    }
  }

  @Test
  void aPauseOrAPinSurvivesARestartAndResumingClearsIt() throws Exception {
    try (ModelStore store = ModelStore.open(dataDir)) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 32, 64, 32, 1));
      store.record(info("v2", ModelVersionInfo.State.LIVE));
    }
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG)) {
      try (LearningLoop loop = loop(registry)) {
        assertThat(loop.isPaused()).isFalse();
        loop.pin("v1");
      }
      try (LearningLoop loop = loop(registry)) {
        assertThat(loop.isPaused()).as("pinned, so still paused after a restart").isTrue();
        assertThat(registry.liveVersion()).isEqualTo("v1");
        loop.setPaused(false);
      }
      try (LearningLoop loop = loop(registry)) {
        assertThat(loop.isPaused()).isFalse();
        loop.setPaused(true);
      }
      try (LearningLoop loop = loop(registry)) {
        assertThat(loop.isPaused()).isTrue();
      }
    }
  }

  @Test
  void theBaselineKeepsTheTimeItFirstServedAcrossRestarts() throws Exception {
    Instant first;
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG); LearningLoop loop = loop(registry)) {
      first = registry.baseline().createdAt();
    }
    Thread.sleep(20);
    try (ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG); LearningLoop loop = loop(registry)) {
      assertThat(registry.versions()).extracting(ModelVersionInfo::version).containsExactly("v1");
      assertThat(registry.versions().get(0).createdAt()).isEqualTo(first);
    }
  }

  private LearningLoop loop(ModelRegistry registry) throws IOException {
    return new LearningLoop(
        LearningSettings.defaults(), new ReplayBuffer(10), () -> CATALOG, registry,
        new SafetyGate(0.02, new io.recsys.server.policy.EpsilonGreedy(0.05), 100, new QRange(0, 10), io.recsys.server.evaluation.RewardRange.RATE, new OffPolicyEvaluation(100, 0.95, 1)), ModelStore.open(dataDir), new QRange(0, 10), DIM);
  }

  private static ModelVersionInfo info(String version, ModelVersionInfo.State state) {
    return new ModelVersionInfo(version, state, Instant.parse("2026-11-29T10:00:00Z"), "test " + version);
  }
}
