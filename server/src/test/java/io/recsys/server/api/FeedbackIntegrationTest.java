package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.ops.RecsysServer;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.time.Duration;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Feedback over a real socket, and its effect on the user's very next list. */
@ExtendWith(GoodbooksServer.class)
class FeedbackIntegrationTest {
  private static RecsysClient client;

  @BeforeAll
  static void connect(RecsysClient sharedClient) {
    client = sharedClient;
  }

  @Test
  void aDislikedItemNeverComesBack() {
    RecommendResponse first = client.recommend("rf-dislike", 10);
    String disliked = first.getItems(0).getItemId();

    FeedbackAck ack = client.reportFeedback(event(first, "rf-dislike", disliked, FeedbackType.FEEDBACK_TYPE_DISLIKE));

    assertThat(ack.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    for (int i = 0; i < 5; i++) {
      assertThat(ids(client.recommend("rf-dislike", 200))).doesNotContain(disliked);
    }
  }

  @Test
  void clickingAnAuthorsBooksRaisesTheirOtherBooks() throws Exception {
    Set<String> king =
        CatalogFiles.readEmbeddedDefault().stream()
            .filter(item -> item.attributes().getOrDefault("authors", "").contains("Stephen King"))
            .map(CatalogItem::id)
            .collect(Collectors.toSet());
    // On a server no other test taught: its first lists are still the most popular books.
    RecsysServer untouched = GoodbooksServer.startUntouched();
    try (RecsysClient own = RecsysClient.builder("localhost:" + untouched.port()).build()) {
      theAuthorsOtherBooksRise(own, king, "rf-king-reader");
    } finally {
      untouched.stop();
    }
  }

  private static void theAuthorsOtherBooksRise(RecsysClient client, Set<String> king, String user) {
    RecommendResponse before = client.recommend(user, 500);
    List<String> clicked = ids(before).stream().filter(king::contains).limit(3).toList();
    assertThat(clicked).as("Stephen King books among the 500 most popular").hasSize(3);

    for (String item : clicked) {
      assertThat(client.reportFeedback(event(before, user, item, FeedbackType.FEEDBACK_TYPE_CLICK)).getStatus())
          .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    }
    RecommendResponse after = client.recommend(user, 500, clicked);

    long kingInTop20Before = ids(before).stream().limit(20).filter(king::contains).count();
    long kingInTop20After = ids(after).stream().limit(20).filter(king::contains).count();
    assertThat(kingInTop20After).isGreaterThanOrEqualTo(kingInTop20Before + 5);
  }

  @Test
  void aStreamAcknowledgesEveryEventInOrderAndRejectsBadOnesWithoutClosing() throws Exception {
    String user = "rf-streamer";
    RecommendResponse list = client.recommend(user, 20);
    long durableBefore = client.status().getFeedbackEventsDurable();
    List<FeedbackAck> acks = new CopyOnWriteArrayList<>();

    FeedbackSession session = client.openFeedbackStream(acks::add);
    for (RecommendedItem item : list.getItemsList()) {
      session.send(event(list, user, item.getItemId(), FeedbackType.FEEDBACK_TYPE_SKIP));
    }
    session.send(event(list, "someone-else", list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK));
    session.send(event(list, user, list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_SKIP));
    session.send(event(list, user, list.getItems(1).getItemId(), FeedbackType.FEEDBACK_TYPE_LIKE));
    session.finish(Duration.ofSeconds(10));

    assertThat(acks).hasSize(23);
    assertThat(acks.subList(0, 20)).extracting(FeedbackAck::getItemId).containsExactlyElementsOf(ids(list));
    assertThat(acks.subList(0, 20)).allSatisfy(a -> assertThat(a.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED));
    assertThat(acks.get(20).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_REJECTED);
    assertThat(acks.get(20).getReason()).contains("user_id 'someone-else'");
    assertThat(acks.get(21).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_DUPLICATE);
    assertThat(acks.get(22).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    assertThat(client.status().getFeedbackEventsDurable() - durableBefore).isGreaterThanOrEqualTo(21);
    assertThat(client.status().getReplayBufferSize()).isGreaterThanOrEqualTo(21);
  }

  @Test
  void aBatchedRequestIsAcknowledgedEventByEventInOrder() throws Exception {
    String user = "rf-batcher";
    RecommendResponse list = client.recommend(user, 30);
    List<FeedbackEvent> batch =
        list.getItemsList().stream()
            .map(item -> event(list, user, item.getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK))
            .collect(Collectors.toCollection(java.util.ArrayList::new));
    batch.add(event(list, user, "not-shown", FeedbackType.FEEDBACK_TYPE_CLICK));
    List<FeedbackAck> acks = new CopyOnWriteArrayList<>();

    FeedbackSession session = client.openFeedbackStream(acks::add);
    session.sendBatch(batch.subList(0, 16), Duration.ofSeconds(5));
    session.sendBatch(batch.subList(16, batch.size()), Duration.ofSeconds(5));
    session.finish(Duration.ofSeconds(10));

    assertThat(acks).extracting(FeedbackAck::getItemId)
        .containsExactlyElementsOf(batch.stream().map(FeedbackEvent::getItemId).toList());
    assertThat(acks.subList(0, 30)).allSatisfy(a -> assertThat(a.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED));
    assertThat(acks.get(30).getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_REJECTED);
  }

  @Test
  void aRequestWithTooManyEventsEndsTheStreamWithInvalidArgument() throws Exception {
    RecommendResponse list = client.recommend("rf-flooder", 1);
    FeedbackEvent one = event(list, "rf-flooder", list.getItems(0).getItemId(), FeedbackType.FEEDBACK_TYPE_CLICK);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    StreamObserver<StreamFeedbackRequest> stream =
        FeedbackServiceGrpc.newStub(client.channel())
            .streamFeedback(
                new StreamObserver<>() {
                  @Override
                  public void onNext(StreamFeedbackResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    failure.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    failure.complete(null);
                  }
                });

    stream.onNext(StreamFeedbackRequest.newBuilder().addAllEvents(Collections.nCopies(1_001, one)).build());

    Throwable error = failure.get(10, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(error).getDescription()).contains("at most 1000 events, got 1001");
  }

  private static FeedbackEvent event(RecommendResponse list, String user, String item, FeedbackType type) {
    return FeedbackEvent.newBuilder()
        .setEventId(list.getEventId())
        .setUserId(user)
        .setItemId(item)
        .setType(type)
        .build();
  }

  private static List<String> ids(RecommendResponse response) {
    return response.getItemsList().stream().map(RecommendedItem::getItemId).toList();
  }
}
