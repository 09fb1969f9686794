package io.recsys.loadtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.server.learning.ModelRetention;
import io.recsys.server.learning.ModelStore;
import io.recsys.server.learning.QNetwork;
import io.recsys.server.model.ModelVersionInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code serve} processes that follow a shared model store: a version the one trainer
 * records as live reaches every replica within the poll interval, and a second trainer on the
 * store is refused at start. (The test plays the trainer: it holds the store's trainer lock.)
 */
class ModelStoreReplicasTest {
  @TempDir Path dir;

  private ChildServer replica(String name, Path catalog, Path store, String reranker) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port", "0", "--device", "cpu", "--data-dir", dir.resolve(name).toString(), "--catalog", catalog.toString(),
                "--reranker", reranker, "--model-store", store.toString(), "--model-poll-ms", "100"));
    return ChildServer.start("512m", args);
  }

  private static String liveVersion(RecsysClient client) {
    return client.status().getModelVersion();
  }

  @Test
  void aVersionTheTrainerPublishesReachesEveryReplicaAndASecondTrainerIsRefused() throws Exception {
    StringBuilder csv = new StringBuilder("item_id,title\n");
    IntStream.range(0, 40).forEach(i -> csv.append("i").append(i).append(",Book number ").append(i).append('\n'));
    Path catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
    Path store = dir.resolve("shared-models");
    try (ModelStore trainer = ModelStore.openShared(store, new ModelRetention(20));
        ChildServer a = replica("a", catalog, store, "follow");
        ChildServer b = replica("b", catalog, store, "follow")) {
      a.awaitServing(120);
      b.awaitServing(120);
      RecsysClient toA = a.client();
      RecsysClient toB = b.client();
      try {
        assertThat(liveVersion(toA)).isEqualTo("v1");
        trainer.saveWeights("v2", QNetwork.initialised(384, 16, 32, 16, 5)); // MiniLM's 384 dimensions
        trainer.record(new ModelVersionInfo("v2", ModelVersionInfo.State.LIVE, Instant.now(), "published by the test"));
        long start = System.nanoTime();
        while (!(liveVersion(toA).equals("v2") && liveVersion(toB).equals("v2"))
            && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
          Thread.sleep(10);
        }
        assertThat(liveVersion(toA)).isEqualTo("v2");
        assertThat(liveVersion(toB)).isEqualTo("v2");
        System.out.printf("v2 reached both replicas in %d ms (poll 100 ms)%n", (System.nanoTime() - start) / 1_000_000);
        assertThat(toB.recommend("reader", 5).getModelVersion()).isEqualTo("v2");
        assertThatThrownBy(() -> toA.pinModelVersion("v1"))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains("follows the model store");
            });
      } finally {
        toA.close();
        toB.close();
      }

      try (ChildServer second = replica("second-trainer", catalog, store, "on")) {
        assertThatThrownBy(() -> second.awaitServing(120)).hasMessageContaining("another trainer holds");
      }
    }
  }
}
