package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.recsys.client.RecsysClient;
import io.recsys.v1.Item;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.UpsertItemsResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code serve} command as a separate process: start, cold-start upserts, SIGTERM, restart. */
class ServeProcessTest {
  @TempDir Path dir;

  @Test
  void upsertedItemsAreServableAtOnceAndSurviveAGracefulRestart() throws Exception {
    Path catalog = Files.writeString(dir.resolve("books.csv"), """
        item_id,title,text,popularity
        b1,Dune,by Frank Herbert,900
        b2,Emma,by Jane Austen,800
        b3,Ulysses,by James Joyce,700
        """);
    Path dataDir = dir.resolve("data");
    String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--catalog", catalog.toString()};
    Item newBook = Item.newBuilder().setItemId("b4").setTitle("Project Hail Mary").setText("by Andy Weir").build();

    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        UpsertItemsResponse upserted = client.upsertItems(List.of(newBook));

        assertThat(upserted.getCreatedCount()).isEqualTo(1);
        assertThat(upserted.getCatalogVersion()).isEqualTo(2);
        assertThat(client.recommend("anyone", 4).getItemsList())
            .extracting(RecommendedItem::getItemId)
            .containsExactlyInAnyOrder("b1", "b2", "b3", "b4");
      }

      int exitCode = server.terminate();

      assertThat(exitCode).as("graceful exit").isZero();
      assertThat(server.log()).anyMatch(line -> line.contains("Shutting down: refusing new calls"));
      assertThat(server.log()).anyMatch(line -> line.contains("Shutdown complete"));
    }

    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        assertThat(client.getItem("b4")).isEqualTo(newBook);
        assertThat(client.status().getCatalogVersion()).isEqualTo(2);
      }
      assertThat(server.log()).anyMatch(line -> line.contains("1 upsert batches replayed"));
      server.terminate();
    }
  }

  @Test
  void anInFlightCallCompletesBeforeTheServerStops() throws Exception {
    Path catalog = Files.writeString(dir.resolve("books.csv"), "item_id,title\nb1,Dune\n");
    String[] args = {"--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString()};
    // Embedding 1,500 new titles keeps the upsert busy for seconds after SIGTERM arrives.
    List<Item> books =
        IntStream.range(0, 1_500)
            .mapToObj(i -> Item.newBuilder().setItemId("n" + i).setTitle("New book number " + i).build())
            .toList();

    try (ServerProcess server = ServerProcess.start(args)) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        client.status(); // connected before the clock starts
        CompletableFuture<UpsertItemsResponse> upsert = CompletableFuture.supplyAsync(() -> client.upsertItems(books));
        Thread.sleep(1_000);

        int exitCode = server.terminate();

        assertThat(upsert.get(10, TimeUnit.SECONDS).getCreatedCount()).isEqualTo(1_500);
        assertThat(exitCode).as("graceful exit").isZero();
        List<String> log = server.log();
        assertThat(indexOf(log, "Shutting down")).isLessThan(indexOf(log, "1500 items created"));
        assertThat(indexOf(log, "1500 items created")).isLessThan(indexOf(log, "gRPC server stopped"));
      }
    }
  }

  private static int indexOf(List<String> log, String text) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).contains(text)) {
        return i;
      }
    }
    throw new AssertionError("no log line contains '" + text + "' in\n" + String.join("\n", log));
  }

  @Test
  void aSecondServerOnTheSameDataDirRefusesToStart() throws Exception {
    Path catalog = Files.writeString(dir.resolve("books.jsonl"), "{\"item_id\":\"x\",\"title\":\"X\"}\n");
    String[] args = {"--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString()};

    try (ServerProcess first = ServerProcess.start(args)) {
      first.awaitServing();
      try (ServerProcess second = ServerProcess.start(args)) {
        assertThat(second.awaitExit()).isNotZero();
        assertThat(second.log()).anyMatch(line -> line.contains("is in use by another server process"));
      }
      first.terminate();
    }
  }

  @Test
  void aMalformedCatalogFileStopsStartWithItsLineNumber() throws Exception {
    Path catalog = Files.writeString(dir.resolve("bad.csv"), "item_id,title\nb1,Dune\nb2,Emma,extra\n");

    try (ServerProcess server =
        ServerProcess.start("--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString())) {
      assertThat(server.awaitExit()).isEqualTo(1);
      assertThat(server.log()).anyMatch(line -> line.contains("bad.csv:3: expected 2 columns, found 3"));
    }
  }

  @Test
  void jsonLogsAreOneObjectPerLineFailuresIncluded() throws Exception {
    Path catalog = Files.writeString(dir.resolve("bad.csv"), "item_id,title\nb1,Dune\nb2,Emma,extra\n");

    try (ServerProcess server =
        ServerProcess.start(
            "--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString(), "--log-format", "json",
            "--log-levels", "io.recsys.server.model=warn")) {
      assertThat(server.awaitExit()).isEqualTo(1);
      List<JsonObject> lines = server.log().stream().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
      assertThat(lines).anyMatch(line -> line.get("loggerName").getAsString().endsWith("ServerAssembly"));
      assertThat(lines).as("the per-logger level holds").noneMatch(line -> line.get("loggerName").getAsString().contains(".model.")
          && line.get("level").getAsString().equals("INFO"));
      assertThat(lines)
          .filteredOn(line -> line.get("level").getAsString().equals("ERROR"))
          .singleElement()
          .satisfies(line -> assertThat(line.get("formattedMessage").getAsString()).contains("bad.csv:3: expected 2 columns, found 3"));
    }
  }
}
