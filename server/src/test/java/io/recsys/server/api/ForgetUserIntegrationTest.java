package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.server.feedback.LogRecords;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.ExportedImpression;
import io.recsys.v1.ExportedReaction;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.v1.RecommendResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The right of access and the right to erasure over real gRPC on a real server: ExportUser shows
 * what the server holds, ForgetUser removes it from memory, the log and the snapshots, and after a
 * restart no file under the data directory holds the user's id or the ids of their events.
 */
class ForgetUserIntegrationTest {
  private static final int ITEMS = 300;
  private static final int DIM = 8;
  // Ids no catalog, model or random bytes would hold by chance.
  private static final String FORGOTTEN = "forget-me-5d2c9a71";
  private static final String KEPT = "keep-me-0b8e44f3";

  @TempDir Path dir;

  @Test
  void aForgottenUserLeavesNoTraceInAnyFileOfTheDataDirectoryAfterARestart() throws Exception {
    Path data = dir.resolve("data");
    Path catalog = writeCatalog();
    List<String> forgottenEvents = new ArrayList<>();
    List<String> keptEvents = new ArrayList<>();
    String openList;
    RecsysServer server = start(data, catalog);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      for (int round = 0; round < 3; round++) {
        forgottenEvents.add(serveAndReact(client, FORGOTTEN, round < 2));
        keptEvents.add(serveAndReact(client, KEPT, true));
      }
      openList = forgottenEvents.get(2); // served, never reacted to: an open impression

      // The scan below can find what it looks for: the user is in the log and in a snapshot.
      awaitTrace(data.resolve("snapshots"), FORGOTTEN);
      assertThat(filesHolding(data, FORGOTTEN)).anyMatch(f -> f.startsWith("feedback-log/")).anyMatch(f -> f.startsWith("snapshots/"));

      ExportUserResponse export = client.exportUser(FORGOTTEN);
      assertThat(export.getFound()).isTrue();
      assertThat(export.getImpressionsList()).extracting(ExportedImpression::getEventId).containsExactlyElementsOf(forgottenEvents);
      assertThat(export.getImpressionsList()).allSatisfy(i -> assertThat(i.getItemIdsCount()).isEqualTo(10));
      assertThat(export.getLoggedReactionsList()).hasSize(4).extracting(ExportedReaction::getEventId)
          .containsOnly(forgottenEvents.get(0), forgottenEvents.get(1));
      assertThat(export.getLoggedReactionsList()).extracting(ExportedReaction::getType).containsOnly("click", "dislike");
      assertThat(export.getStateVectorCount()).isEqualTo(DIM);
      assertThat(export.getRecentReactionsList()).isNotEmpty();
      assertThat(export.getTruncated()).isFalse();
      assertThat(client.exportUser(KEPT).getImpressionsList()).extracting(ExportedImpression::getEventId)
          .containsExactlyElementsOf(keptEvents);

      ForgetUserResponse forgotten = client.forgetUser(FORGOTTEN);
      assertThat(forgotten.getFound()).isTrue();
      assertThat(forgotten.getLogRecordsRemoved()).as("3 lists and 4 reactions").isEqualTo(7);
      assertThat(forgotten.getAuditId()).isNotEmpty().doesNotContain(FORGOTTEN);
      assertThat(forgotten.getForgottenAt().getSeconds()).isPositive();

      // Nothing left to see; forgetting again is a no-op that says so.
      ExportUserResponse after = client.exportUser(FORGOTTEN);
      assertThat(after.getFound()).isFalse();
      assertThat(after.getImpressionsList()).isEmpty();
      assertThat(after.getLoggedReactionsList()).isEmpty();
      assertThat(after.getReplayTransitions()).isZero();
      ForgetUserResponse again = client.forgetUser(FORGOTTEN);
      assertThat(again.getFound()).isFalse();
      assertThat(again.getLogRecordsRemoved()).isZero();
      assertThat(again.getAuditId()).isEmpty();

      // The open list was dropped: a late reaction to it is refused, and not logged.
      FeedbackAck late = client.reportFeedback(event(openList, FORGOTTEN, itemOf(export, openList), FeedbackType.FEEDBACK_TYPE_CLICK));
      assertThat(late.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_REJECTED);
      assertThat(late.getReason()).contains("unknown event_id");

      String metrics = scrape(server);
      assertThat(metrics).contains("recsys_users_forgotten_total 1.0").contains("recsys_users_forgotten_log_records_total 7.0");

      // The other user is untouched.
      ExportUserResponse kept = client.exportUser(KEPT);
      assertThat(kept.getFound()).isTrue();
      assertThat(kept.getLoggedReactionsList()).hasSize(6);
      keptEvents.add(serveAndReact(client, KEPT, false));
    } finally {
      server.stop();
    }

    // One audit record, of the erasure and nothing of the user.
    List<String> audit = Files.readAllLines(data.resolve("audit.log"));
    assertThat(audit).hasSize(1);
    JsonObject record = JsonParser.parseString(audit.get(0)).getAsJsonObject();
    assertThat(record.get("action").getAsString()).isEqualTo("forget-user");
    assertThat(record.get("log_records_erased").getAsLong()).isEqualTo(7);
    assertThat(record.get("open_lists_dropped").getAsInt()).as("all three: join windows last minutes").isEqualTo(3);
    assertThat(record.get("state_removed").getAsBoolean()).isTrue();

    // A restart replays the rewritten log and the fresh snapshot: the user stays forgotten.
    server = start(data, catalog);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      assertThat(client.exportUser(FORGOTTEN).getFound()).isFalse();
      assertThat(client.exportUser(KEPT).getImpressionsList()).extracting(ExportedImpression::getEventId)
          .containsExactlyElementsOf(keptEvents);
    } finally {
      server.stop();
    }

    assertThat(filesHolding(data, FORGOTTEN)).as("files holding the forgotten user's id").isEmpty();
    for (String event : forgottenEvents) {
      assertThat(filesHolding(data, event)).as("files holding the forgotten event " + event).isEmpty();
    }
    assertThat(filesHolding(data, KEPT)).as("the scan finds what is there").isNotEmpty();
    assertThat(filesHolding(data, keptEvents.get(0))).isNotEmpty();
  }

  @Test
  void anErasureACrashInterruptedAfterTheLogRewriteIsFinishedBeforeTheNextStartServes() throws Exception {
    Path data = dir.resolve("data");
    Path catalog = writeCatalog();
    RecsysServer server = start(data, catalog);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      serveAndReact(client, FORGOTTEN, true);
      serveAndReact(client, KEPT, true);
    } finally {
      server.stop(); // a graceful stop: the snapshot holds both users' states
    }
    // The state a crash leaves between the log's rewrite and the fresh snapshot: the log erased,
    // the older snapshot not yet replaced, the user still named as being forgotten.
    try (SegmentedFeedbackLog log = SegmentedFeedbackLog.open(data.resolve("feedback-log"), SegmentedFeedbackLog.Options.defaults(), r -> {})) {
      assertThat(log.erase(r -> FORGOTTEN.equals(LogRecords.userOf(r)), () -> {}).get()).isEqualTo(3);
    }
    Path control = dir.resolve("control");
    copyTree(data, control);
    Files.writeString(data.resolve("erasure-in-progress"), "[\"" + FORGOTTEN + "\"]");

    // Without the in-progress file the older snapshot brings the user back: the window is real.
    server = start(control, catalog);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      assertThat(client.exportUser(FORGOTTEN).getFound()).isTrue();
    } finally {
      server.stop();
    }

    server = start(data, catalog);
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      assertThat(client.exportUser(FORGOTTEN).getFound()).isFalse();
      assertThat(client.exportUser(KEPT).getLoggedReactionsList()).hasSize(2);
    } finally {
      server.stop();
    }
    assertThat(data.resolve("erasure-in-progress")).doesNotExist();
    assertThat(Files.readAllLines(data.resolve("audit.log"))).hasSize(1).allMatch(line -> line.contains("\"state_removed\":true"));
    assertThat(filesHolding(data, FORGOTTEN)).isEmpty();
    assertThat(filesHolding(data, KEPT)).isNotEmpty();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.sorted().toList()) {
        if (!file.getFileName().toString().equals(".lock")) {
          Files.copy(file, to.resolve(from.relativize(file).toString()));
        }
      }
    }
  }

  @Test
  void badUserIdsAreInvalidArgumentAndAnUnknownUserIsNotFoundWithNothingChanged() throws Exception {
    Path data = dir.resolve("data");
    RecsysServer server = start(data, writeCatalog());
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build()) {
      for (String bad : List.of("", "u".repeat(257))) {
        assertThatThrownBy(() -> client.forgetUser(bad)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> client.exportUser(bad)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
      serveAndReact(client, KEPT, true);
      long durable = client.status().getFeedbackEventsDurable();

      ForgetUserResponse unknown = client.forgetUser("nobody-we-know");

      assertThat(unknown.getFound()).isFalse();
      assertThat(unknown.getAuditId()).isEmpty();
      assertThat(client.exportUser("nobody-we-know").getFound()).isFalse();
      assertThat(client.exportUser(KEPT).getLoggedReactionsList()).hasSize(2);
      assertThat(client.status().getFeedbackEventsDurable()).isEqualTo(durable);
    } finally {
      server.stop();
    }
    assertThat(data.resolve("audit.log")).as("no audit record for an erasure that erased nothing").doesNotExist();
  }

  private static String scrape(RecsysServer server) throws IOException, InterruptedException {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    return http.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + server.metricsPort() + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Serves {@code user} a list of 10 and, if {@code react}, clicks its first item and dislikes its second. */
  private static String serveAndReact(RecsysClient client, String user, boolean react) {
    RecommendResponse list = client.recommend(user, 10);
    assertThat(list.getItemsCount()).isEqualTo(10);
    if (react) {
      assertAccepted(client.reportFeedback(event(list.getEventId(), user, list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK)));
      assertAccepted(client.reportFeedback(event(list.getEventId(), user, list.getItems(1).getItemId(), FeedbackType.FEEDBACK_TYPE_DISLIKE)));
    }
    return list.getEventId();
  }

  private static void assertAccepted(FeedbackAck ack) {
    assertThat(ack.getStatus()).as(ack.getReason()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
  }

  private static String itemOf(ExportUserResponse export, String eventId) {
    return export.getImpressionsList().stream().filter(i -> i.getEventId().equals(eventId)).findFirst().orElseThrow().getItemIds(0);
  }

  private static FeedbackEvent event(String eventId, String user, String itemId, FeedbackType type) {
    return FeedbackEvent.newBuilder().setEventId(eventId).setUserId(user).setItemId(itemId).setType(type).build();
  }

  private static RecsysServer start(Path data, Path catalog) throws IOException {
    return RecsysServer.start(
        ServerConfig.defaults(data).withPort(0).withCatalogFile(catalog).toBuilder()
            .feedback(f -> f.withSnapshotInterval(Duration.ofSeconds(1)))
            .metricsPort(0)
            .build());
  }

  private Path writeCatalog() throws IOException {
    Path file = dir.resolve("catalog.jsonl");
    if (Files.exists(file)) {
      return file;
    }
    SplittableRandom random = new SplittableRandom(11);
    StringBuilder catalog = new StringBuilder();
    for (int i = 0; i < ITEMS; i++) {
      StringBuilder vector = new StringBuilder("[");
      for (int d = 0; d < DIM; d++) {
        vector.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", random.nextDouble() - 0.5));
      }
      catalog.append(String.format(Locale.ROOT, "{\"item_id\":\"i%d\",\"title\":\"Item %d\",\"embedding\":%s]}%n", i, i, vector));
    }
    return Files.writeString(file, catalog);
  }

  /** Waits (up to 30 s) until a file under {@code directory} holds {@code text}. */
  private static void awaitTrace(Path directory, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(directory) && !filesHolding(directory, text).isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no file under " + directory + " came to hold " + text + " within 30 s");
  }

  /**
   * Every regular file under {@code root} (recursively) whose raw bytes contain {@code text}
   * (ASCII here), relative to it, sorted.
   */
  private static List<String> filesHolding(Path root, String text) throws IOException {
    List<String> holding = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        byte[] bytes;
        try {
          bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
          continue; // a snapshot replaced while the server runs
        }
        // ISO-8859-1 maps each byte to one char: a search of the bytes, whatever they encode.
        if (new String(bytes, StandardCharsets.ISO_8859_1).contains(text)) {
          holding.add(root.relativize(file).toString());
        }
      }
    }
    return holding;
  }
}
