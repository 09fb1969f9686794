package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.client.FeedbackSession;
import io.recsys.client.RecsysClient;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.time.Duration;
import java.util.List;
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
  void clickingAnAuthorsBooksRaisesTheirOtherBooks() {
    Set<String> king =
        CatalogFiles.readEmbeddedDefault().stream()
            .filter(item -> item.attributes().getOrDefault("authors", "").contains("Stephen King"))
            .map(CatalogItem::id)
            .collect(Collectors.toSet());
    String user = "rf-king-reader";
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
