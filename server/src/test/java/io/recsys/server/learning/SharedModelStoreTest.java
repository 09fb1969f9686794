package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelStoreFiles;
import io.recsys.server.model.ModelStoreFollower;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.model.OnnxRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One trainer publishes into a shared model store; replicas that follow it serve what it publishes. */
class SharedModelStoreTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(4), 30, DIM);
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);
  private static final Duration POLL = Duration.ofMillis(20);

  @TempDir Path shared;

  @Test
  void everyFollowerServesTheVersionTheTrainerRecordsAsLive() throws Exception {
    ModelRegistry first = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    ModelRegistry second = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (ModelStore trainer = ModelStore.openShared(shared, new ModelRetention(20));
        ModelStoreFollower a = ModelStoreFollower.start(shared, first, DIM, POLL);
        ModelStoreFollower b = ModelStoreFollower.start(shared, second, DIM, POLL)) {
      assertThat(first.liveVersion()).isEqualTo("v1"); // nothing published yet: the baseline
      QNetwork network = QNetwork.initialised(DIM, 4, 8, 4, 3);
      trainer.saveWeights("v2", network);
      trainer.record(info("v2", ModelVersionInfo.State.LIVE));

      awaitTrue(() -> first.liveVersion().equals("v2") && second.liveVersion().equals("v2"));
      try (var lease = first.acquire()) {
        assertThat(lease.model().ranker()).isNotNull();
        assertThat(lease.model().version().description()).isEqualTo("test v2");
      }
      assertThat(a.swaps()).isEqualTo(1);

      trainer.record(info("v1", ModelVersionInfo.State.LIVE)); // the trainer pinned the baseline
      awaitTrue(() -> second.liveVersion().equals("v1"));
      try (var lease = second.acquire()) {
        assertThat(lease.model().ranker()).isNull();
      }
      assertThat(b.swaps()).isEqualTo(2);
    } finally {
      first.close();
      second.close();
    }
  }

  @Test
  void weightsOfAnotherDimensionAreRefusedAndTheCurrentVersionKeepsServing() throws Exception {
    ModelRegistry registry = new ModelRegistry(RUNTIME, 0.1f, CATALOG);
    try (ModelStore trainer = ModelStore.openShared(shared, new ModelRetention(20));
        ModelStoreFollower follower = ModelStoreFollower.start(shared, registry, DIM, POLL)) {
      trainer.saveWeights("v2", QNetwork.initialised(DIM + 1, 4, 8, 4, 3));
      trainer.record(info("v2", ModelVersionInfo.State.LIVE));

      awaitTrue(() -> follower.refusals() > 0);
      Thread.sleep(5 * POLL.toMillis());
      assertThat(registry.liveVersion()).isEqualTo("v1");
      assertThat(follower.refusals()).as("the same pointer is not retried at once").isEqualTo(1);
      assertThat(follower.swaps()).isZero();
    } finally {
      registry.close();
    }
  }

  @Test
  void aSecondTrainerOnTheSameStoreIsRefused() throws Exception {
    try (ModelStore trainer = ModelStore.openShared(shared, new ModelRetention(20))) {
      assertThatThrownBy(() -> ModelStore.openShared(shared, new ModelRetention(20)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another trainer holds")
          .hasMessageContaining("--reranker follow");
    }
    ModelStore.openShared(shared, new ModelRetention(20)).close(); // released with the first
  }

  @Test
  void aStoreFromBeforeThePointerGetsOneNamingItsLiveVersion() throws Exception {
    try (ModelStore store = ModelStore.openShared(shared, new ModelRetention(20))) {
      store.saveWeights("v2", QNetwork.initialised(DIM, 4, 8, 4, 3));
      store.record(info("v2", ModelVersionInfo.State.LIVE));
      store.record(info("v3", ModelVersionInfo.State.REJECTED));
    }
    Files.delete(shared.resolve("live-version"));
    ModelStore.openShared(shared, new ModelRetention(20)).close();

    assertThat(ModelStoreFiles.readLivePointer(shared)).map(ModelVersionInfo::version).contains("v2");
  }

  @Test
  void aDamagedPointerIsRefusedWithItsPath() throws Exception {
    Files.writeString(shared.resolve("live-version"), "version=latest\n");
    assertThatThrownBy(() -> ModelStoreFiles.readLivePointer(shared)).hasMessageContaining("live-version names no version");
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static ModelVersionInfo info(String version, ModelVersionInfo.State state) {
    return new ModelVersionInfo(version, state, Instant.parse("2026-12-03T10:00:00Z"), "test " + version);
  }
}
