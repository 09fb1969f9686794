package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.RecsysServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.ModelVersion;
import io.recsys.v1.ModelVersionState;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.v1.PinModelVersionRequest;
import io.recsys.v1.SetTrainingPausedRequest;
import io.recsys.v1.AdminServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop in one process over real sockets: serve, feedback, train, gate, swap. Users click
 * the even-numbered books and skip the others; the trainer runs on a fast cadence; while it
 * proposes versions, a second client keeps asking for lists and none of its calls may fail.
 */
class LearningLoopIntegrationTest {
  @TempDir Path dir;

  @Test
  void theServerTrainsJudgesAndSwapsWhileServingWithoutAFailedCall() throws Exception {
    StringBuilder csv = new StringBuilder("item_id,title,popularity\n");
    for (int i = 0; i < 60; i++) {
      // The popularity prior puts the odd books on top; users only click the even ones.
      csv.append(i).append(",Book number ").append(i).append(i % 2 == 0 ? " about gardens" : " about engines")
          .append(',').append(i % 2 == 1 ? 1000 - i : 1).append('\n');
    }
    Path catalog = Files.writeString(dir.resolve("books.csv"), csv);
    LearningSettings fast =
        new LearningSettings(Duration.ofMillis(20), 10, 50, 1.0, 40, 5_000, DqnTrainer.Settings.defaults());
    ServerConfig config =
        ServerConfig.defaults(dir.resolve("data")).withPort(0).withCatalogFile(catalog).withLearning(fast);
    RecsysServer server = RecsysServer.start(config);
    AtomicBoolean serving = new AtomicBoolean(true);
    AtomicLong calls = new AtomicLong();
    ExecutorService background = Executors.newSingleThreadExecutor();
    try (RecsysClient client = RecsysClient.builder("localhost:" + server.port()).build();
        RecsysClient reader = RecsysClient.builder("localhost:" + server.port()).maxAttempts(1).build()) {
      Future<?> load = background.submit(() -> {
        while (serving.get()) {
          assertThat(reader.recommend("watcher", 5).getItemsCount()).isEqualTo(5);
          calls.incrementAndGet();
        }
      });
      FeedbackSession feedback = client.openFeedbackStream(ack -> {});
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int round = 0;
      while (System.nanoTime() < deadline && !client.status().getModelVersion().matches("v[2-9][0-9]*|v1[0-9]+")) {
        List<FeedbackEvent> events = new ArrayList<>();
        for (int u = 0; u < 8; u++) {
          String user = "learner-" + (round * 8 + u) % 40;
          RecommendResponse list = client.recommend(user, 5);
          for (RecommendedItem item : list.getItemsList()) {
            boolean even = Integer.parseInt(item.getItemId()) % 2 == 0;
            events.add(FeedbackEvent.newBuilder().setEventId(list.getEventId()).setUserId(user)
                .setItemId(item.getItemId())
                .setType(even ? FeedbackType.FEEDBACK_TYPE_CLICK : FeedbackType.FEEDBACK_TYPE_SKIP).build());
          }
        }
        feedback.sendBatch(events, Duration.ofSeconds(10));
        round++;
        Thread.sleep(10);
      }
      feedback.finish(Duration.ofSeconds(10));
      serving.set(false);
      load.get(); // rethrows a failed call

      List<ModelVersion> versions = client.modelVersions().getVersionsList();
      assertThat(client.status().getTrainerSteps()).isPositive();
      assertThat(client.status().getModelVersion()).as("a learned version went live").isNotEqualTo("v1");
      assertThat(versions.get(0).getState()).isEqualTo(ModelVersionState.MODEL_VERSION_STATE_LIVE);
      assertThat(versions.get(0).getDescription()).contains("Double DQN", "slate_dm", "slate_snrips", "serving epsilon:0.05");
      assertThat(versions.get(versions.size() - 1).getVersion()).isEqualTo("v1");
      assertThat(versions.get(versions.size() - 1).getState()).isEqualTo(ModelVersionState.MODEL_VERSION_STATE_RETIRED);
      assertThat(calls.get()).isPositive();
      RecommendResponse learned = client.recommend("learner-new", 5);
      assertThat(learned.getModelVersion()).isEqualTo(versions.get(0).getVersion());
      long evenOnTop = learned.getItemsList().stream().filter(i -> Integer.parseInt(i.getItemId()) % 2 == 0).count();
      assertThat(evenOnTop).as("the learned ranking favours what users click").isGreaterThanOrEqualTo(3);

      var admin = AdminServiceGrpc.newBlockingStub(client.channel());
      assertThat(admin.setTrainingPaused(SetTrainingPausedRequest.newBuilder().setPaused(true).build()).getPaused()).isTrue();
      Thread.sleep(100); // a step already under way finishes
      long steps = client.status().getTrainerSteps();
      Thread.sleep(300);
      assertThat(client.status().getTrainerSteps()).as("paused").isEqualTo(steps);
      assertThat(client.status().getTrainingPaused()).isTrue();

      assertThatThrownBy(() -> admin.pinModelVersion(PinModelVersionRequest.newBuilder().setVersion("v999").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertThat(admin.pinModelVersion(PinModelVersionRequest.newBuilder().setVersion("v1").build()).getModelVersion()).isEqualTo("v1");
      assertThat(client.recommend("after-rollback", 3).getModelVersion()).isEqualTo("v1");
    } finally {
      serving.set(false);
      background.shutdownNow();
      server.stop();
    }
  }
}
