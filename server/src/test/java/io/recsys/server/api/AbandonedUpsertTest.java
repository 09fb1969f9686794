package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.Item;
import io.recsys.v1.UpsertItemsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upsert whose call ends before the server commits it changes nothing, also when it was
 * complete (half-closed) and only waited: here behind a large upsert whose items the language
 * model is still embedding, on a text catalog over a real socket.
 */
class AbandonedUpsertTest {
  @TempDir Path dir;

  @Test
  void anUpsertWhoseDeadlinePassesWhileItWaitsForTheOneBeforeItChangesNothing() throws Exception {
    StringBuilder catalog = new StringBuilder("item_id,title,text\n");
    for (int i = 0; i < 20; i++) {
      catalog.append("b").append(i).append(",Book ").append(i).append(",A story about place ").append(i).append('\n');
    }
    ServerConfig config =
        ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(Files.writeString(dir.resolve("books.csv"), catalog));
    RecsysServer server = RecsysServer.start(config);
    try (RecsysClient bulkClient = RecsysClient.builder("localhost:" + server.port()).upsertDeadline(Duration.ofMinutes(2)).build();
        RecsysClient lateClient = RecsysClient.builder("localhost:" + server.port()).build()) {
      long version = lateClient.status().getCatalogVersion();
      // Seconds of embedding on two cores, during which the catalog is held.
      List<Item> bulk = new ArrayList<>();
      String text = "A long description of a book about rivers, cities, journeys and people. ".repeat(12);
      for (int i = 0; i < 400; i++) {
        bulk.add(Item.newBuilder().setItemId("bulk-" + i).setTitle("Bulk book " + i).setText(text + i).build());
      }
      CompletableFuture<Void> bulkDone = CompletableFuture.runAsync(() -> bulkClient.upsertItems(bulk));
      Thread.sleep(1_500); // the bulk stream is complete and being embedded

      RawCalls.Call late =
          RawCalls.open(
              lateClient.channel(), CatalogServiceGrpc.getUpsertItemsMethod(), CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS));
      late.send(UpsertItemsRequest.newBuilder().setItem(Item.newBuilder().setItemId("too-late").setTitle("Late")).build().toByteArray());
      late.halfClose();

      assertThat(late.awaitStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(bulkDone).succeedsWithin(Duration.ofMinutes(2));
      Thread.sleep(500); // time the late one had to go through, were it to
      assertThat(lateClient.status().getCatalogVersion()).isEqualTo(version + 1); // the bulk upsert only
      assertThatThrownBy(() -> lateClient.getItem("too-late"))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    } finally {
      server.stop();
    }
  }
}
