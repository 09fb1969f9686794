package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.v1.RecommendRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Past its capacity the server sheds scoring calls at once, and serves again when load drops. */
class ScoringBulkheadTest {
  @TempDir Path dir;

  @Test
  void pastCapacityCallsFailFastWithResourceExhaustedAndTheServerRecovers() throws Exception {
    StringBuilder csv = new StringBuilder("item_id,title\n");
    for (int i = 0; i < 3_000; i++) {
      csv.append(i).append(",Book ").append(i).append('\n');
    }
    Path catalog = Files.writeString(dir.resolve("books.csv"), csv);
    RecsysServer server =
        RecsysServer.start(ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(catalog).withMaxConcurrentScoring(2));
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger shed = new AtomicInteger();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).deadline(Duration.ofSeconds(30)).maxAttempts(1).build()) {
      // Big batches keep each admitted call busy long enough for others to arrive meanwhile.
      List<RecommendRequest> batch =
          Collections.nCopies(256, RecommendRequest.newBuilder().setUserId("heavy").setK(50).build());
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        calls.add(callers.submit(() -> {
          try {
            client.recommendBatch(batch);
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("at capacity (2 scoring calls in flight)");
            shed.incrementAndGet();
          }
        }));
      }
      for (Future<?> call : calls) {
        call.get();
      }

      assertThat(shed.get()).as("shed under overload").isPositive();
      assertThat(ok.get()).as("served under overload").isPositive();
      assertThat(client.recommend("after-the-storm", 5).getItemsCount()).isEqualTo(5);
      assertThat(client.status().getModelVersion()).as("admin calls are never shed").isNotEmpty();
    } finally {
      callers.shutdownNow();
      server.stop();
    }
  }
}
