package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
  private static final int DIM = 16;
  private final OnnxRuntime runtime = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);

  @Test
  void swapsUnderConcurrentScoringNeverFailACallAndCloseEveryRetiredSession() throws Exception {
    ModelRegistry registry = new ModelRegistry(runtime, 0.1f, snapshot(1, 300));
    AtomicBoolean swapping = new AtomicBoolean(true);
    AtomicLong calls = new AtomicLong();
    ExecutorService scorers = Executors.newFixedThreadPool(4);
    List<Future<?>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      results.add(
          scorers.submit(
              () -> {
                while (swapping.get()) {
                  try (ServingModel.Lease lease = registry.acquire()) {
                    TopK top = lease.model().retrieval().topK(new float[DIM], 1, 5);
                    assertThat(top.k()).isEqualTo(5);
                    calls.incrementAndGet();
                  }
                }
              }));
    }
    List<RetrievalModel> retired = new ArrayList<>();
    for (int swap = 0; swap < 50; swap++) {
      try (ServingModel.Lease lease = registry.acquire()) {
        retired.add(lease.model().retrieval());
      }
      registry.publish(registry.buildFor(snapshot(swap + 2, 300 + swap)));
    }
    swapping.set(false);
    for (Future<?> result : results) {
      result.get(); // rethrows any failed call
    }
    scorers.shutdown();

    assertThat(calls.get()).isPositive();
    assertThat(retired).allMatch(RetrievalModel::isClosed);
    try (ServingModel.Lease lease = registry.acquire()) {
      assertThat(lease.model().retrieval().catalog().size()).isEqualTo(349);
      assertThat(lease.model().retrieval().isClosed()).isFalse();
    }
    registry.close();
  }

  @Test
  void fiftyRerankerSwapsUnderConcurrentScoringNeverFailACallAndVersionsOnlyMoveForward() throws Exception {
    ModelRegistry registry = new ModelRegistry(runtime, 0.1f, snapshot(1, 200));
    AtomicBoolean swapping = new AtomicBoolean(true);
    AtomicLong calls = new AtomicLong();
    ExecutorService scorers = Executors.newFixedThreadPool(3);
    List<Future<?>> results = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      results.add(
          scorers.submit(
              () -> {
                int lastSeen = 1;
                while (swapping.get()) {
                  try (ServingModel.Lease lease = registry.acquire()) {
                    ServingModel model = lease.model();
                    int version = Integer.parseInt(model.version().version().substring(1));
                    assertThat(version).as("versions only move forward").isGreaterThanOrEqualTo(lastSeen);
                    lastSeen = version;
                    if (model.ranker() != null) {
                      assertThat(model.ranker().qValues(new float[DIM], new float[4 * DIM], 1, 4)).hasSize(4);
                    }
                    calls.incrementAndGet();
                  }
                }
              }));
    }
    List<QNetworkModel> replaced = new ArrayList<>();
    for (int swap = 2; swap <= 51; swap++) {
      try (ServingModel.Lease lease = registry.acquire()) {
        if (lease.model().ranker() != null) {
          replaced.add(lease.model().ranker());
        }
      }
      QNetworkModel next = QNetworkModel.create(runtime, "v" + swap, io.recsys.server.learning.QNetwork.initialised(DIM, 4, 8, 4, swap).toWeights());
      registry.publish(next, new ModelVersionInfo("v" + swap, ModelVersionInfo.State.LIVE, java.time.Instant.now(), "swap " + swap));
      Thread.sleep(2);
    }
    swapping.set(false);
    for (Future<?> result : results) {
      result.get();
    }
    scorers.shutdown();

    assertThat(calls.get()).isGreaterThan(50);
    assertThat(registry.liveVersion()).isEqualTo("v51");
    assertThat(replaced).hasSize(49).allMatch(QNetworkModel::isClosed);
    registry.close();
  }

  @Test
  void aLeasedModelStaysOpenUntilReleasedEvenAfterASwap() {
    ModelRegistry registry = new ModelRegistry(runtime, 0.1f, snapshot(1, 50));
    ServingModel.Lease lease = registry.acquire();

    registry.publish(registry.buildFor(snapshot(2, 60)));

    assertThat(lease.model().retrieval().isClosed()).isFalse();
    assertThat(lease.model().retrieval().topK(new float[DIM], 1, 3).k()).isEqualTo(3);
    lease.close();
    assertThat(lease.model().retrieval().isClosed()).isTrue();
    registry.close();
  }

  @Test
  void aClosedRegistryRefusesNewLeases() {
    ModelRegistry registry = new ModelRegistry(runtime, 0.1f, snapshot(1, 10));
    registry.close();

    assertThatThrownBy(registry::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  private static CatalogSnapshot snapshot(long seed, int items) {
    return CatalogTestData.randomSnapshot(new Random(seed), items, DIM);
  }
}
