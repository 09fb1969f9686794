package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.client.RecsysClient;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.policy.Exploration;
import io.recsys.v1.RecommendedItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train} on a log where half the users read about gardens and half about engines, then
 * {@code serve} on what it wrote: the trained vectors must keep the two groups apart.
 */
class TrainThenServeTest {
  @TempDir Path dir;

  @Test
  void theTrainedCatalogAndUserVectorsServeEachUserTheirOwnTopic() throws Exception {
    StringBuilder catalog = new StringBuilder("item_id,title\n");
    for (int i = 0; i < 20; i++) {
      catalog.append("g").append(i).append(",Gardening book ").append(i).append(": roses and vegetable beds\n");
      catalog.append("e").append(i).append(",Engine manual ").append(i).append(": diesel motors and gearboxes\n");
    }
    StringBuilder log = new StringBuilder("user_id,item_id,label,timestamp\n");
    Random random = new Random(3);
    long time = 0;
    for (int u = 0; u < 40; u++) {
      String liked = u % 2 == 0 ? "g" : "e";
      String other = u % 2 == 0 ? "e" : "g";
      for (int n = 0; n < 6; n++) {
        log.append("u").append(u).append(',').append(liked).append(random.nextInt(20)).append(",1,").append(time++).append('\n');
      }
      log.append("u").append(u).append(',').append(other).append(random.nextInt(20)).append(",0,").append(time++).append('\n');
    }
    Path catalogFile = Files.writeString(dir.resolve("books.csv"), catalog);
    Path out = dir.resolve("trained");

    int exit = new CommandLine(new TrainCommand()).execute(
        "--interactions", Files.writeString(dir.resolve("log.csv"), log).toString(),
        "--catalog", catalogFile.toString(), "--out", out.toString(), "--dimension", "8", "--epochs", "30");

    assertThat(exit).isZero();
    List<CatalogItem> trained = CatalogFiles.read(out.resolve("catalog.jsonl"));
    assertThat(trained).hasSize(40).allSatisfy(item -> assertThat(item.embeddingDimension()).isEqualTo(8));
    ServerConfig defaults = ServerConfig.defaults(dir.resolve("data"));
    RecsysServer server =
        RecsysServer.start(
            defaults.withPort(0)
                .withCatalogFile(out.resolve("catalog.jsonl"))
                .withUserVectorsFile(out.resolve("user_vectors.csv"))
                .withExploration(Exploration.GREEDY)
                .withFeedback(defaults.feedback().withLearning(false)));
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      for (String user : List.of("u0", "u1", "u2", "u3")) {
        String topic = Integer.parseInt(user.substring(1)) % 2 == 0 ? "g" : "e";
        List<String> top = client.recommend(user, 5).getItemsList().stream().map(RecommendedItem::getItemId).toList();
        assertThat(top).as(user + "'s list").allMatch(id -> id.startsWith(topic));
      }
    } finally {
      server.stop();
    }
  }
}
