package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of StreamFeedback as a sequence: one stream per input, carrying a
 * fuzzed run of single events, batches and unparsable messages about lists really served (and
 * about lists, users, items and types that do not exist), then a half-close. Whatever the
 * sequence: the call ends OK or INVALID_ARGUMENT (never INTERNAL, UNKNOWN or a hang); when it
 * ends OK, every request got exactly one response, in order, acknowledging its own events; and
 * across every input of the run no (event, item, type) is ACCEPTED twice.
 */
class FeedbackStreamFuzzTest {
  private static final int DIM = 8;
  private static final FeedbackType[] TYPES = FeedbackType.values();
  private static final Map<String, Integer> ACCEPTED = new ConcurrentHashMap<>();

  private static Path dir;
  private static VectorCatalogServer running;
  private static ManagedChannel channel;
  private static final List<RecommendResponse> LISTS = new ArrayList<>();
  private static final List<String> USERS = List.of("fuzz-u1", "fuzz-u2", "fuzz-u3");

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("stream-fuzz");
    running = VectorCatalogServer.start(dir, 9, 30, DIM, "item-", c -> c);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", running.server.port()).usePlaintext().build();
    for (String user : USERS) {
      for (int i = 0; i < 3; i++) {
        LISTS.add(running.client.recommend(user, 5));
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    running.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @FuzzTest(maxDuration = "30s")
  void anySequenceOnAStreamIsAnsweredInOrderAndAcceptedAtMostOnce(FuzzedDataProvider data) throws Exception {
    RawCalls.Call call = RawCalls.open(channel, FeedbackServiceGrpc.getStreamFeedbackMethod(), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    List<List<FeedbackEvent>> sent = new ArrayList<>(); // null entry: a message that does not parse
    int requests = data.consumeInt(1, 12);
    for (int r = 0; r < requests && data.remainingBytes() > 0; r++) {
      switch (data.consumeInt(0, 3)) {
        case 0 -> {
          FeedbackEvent event = event(data);
          sent.add(List.of(event));
          call.send(StreamFeedbackRequest.newBuilder().setEvent(event).build().toByteArray());
        }
        case 1, 2 -> {
          List<FeedbackEvent> batch = new ArrayList<>();
          int size = data.consumeInt(1, 6);
          for (int i = 0; i < size; i++) {
            batch.add(event(data));
          }
          sent.add(batch);
          call.send(StreamFeedbackRequest.newBuilder().addAllEvents(batch).build().toByteArray());
        }
        default -> {
          byte[] bytes = data.consumeBytes(40);
          sent.add(eventsIn(bytes)); // null if the server cannot parse it either
          call.send(bytes);
        }
      }
    }
    call.halfClose();
    Status status = call.awaitStatus();

    assertThat(status.getCode()).as("%s: %s", status.getCode(), status.getDescription()).isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
    List<StreamFeedbackResponse> responses = new ArrayList<>();
    for (byte[] bytes = call.responses.poll(); bytes != null; bytes = call.responses.poll()) {
      responses.add(StreamFeedbackResponse.parseFrom(bytes));
    }
    if (status.isOk()) {
      assertThat(responses).as("one response per request").hasSize(sent.size());
    }
    for (int r = 0; r < responses.size(); r++) {
      List<FeedbackEvent> events = sent.get(r);
      assertThat(events).as("a response came for an unparsable request %d", r).isNotNull();
      StreamFeedbackResponse response = responses.get(r);
      List<FeedbackAck> acks = response.hasAck() ? List.of(response.getAck()) : response.getAcksList();
      assertThat(acks).as("request %d", r).hasSize(events.size());
      for (int i = 0; i < acks.size(); i++) {
        FeedbackAck ack = acks.get(i);
        assertThat(ack.getEventId()).isEqualTo(events.get(i).getEventId());
        assertThat(ack.getItemId()).isEqualTo(events.get(i).getItemId());
        assertThat(ack.getStatus()).isIn(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED, FeedbackStatus.FEEDBACK_STATUS_DUPLICATE, FeedbackStatus.FEEDBACK_STATUS_REJECTED);
        if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_ACCEPTED) {
          String key = ack.getEventId() + "|" + ack.getItemId() + "|" + ack.getTypeValue();
          assertThat(ACCEPTED.merge(key, 1, Integer::sum)).as("%s accepted twice", key).isEqualTo(1);
        }
      }
    }
  }

  /** The events of a request given as bytes, or null if they are not a request. */
  private static List<FeedbackEvent> eventsIn(byte[] bytes) {
    try {
      StreamFeedbackRequest request = StreamFeedbackRequest.parseFrom(bytes);
      List<FeedbackEvent> events = new ArrayList<>();
      if (request.hasEvent()) {
        events.add(request.getEvent());
      }
      events.addAll(request.getEventsList());
      return events;
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** Mostly about a list really served, sometimes about what does not exist. */
  private static FeedbackEvent event(FuzzedDataProvider data) {
    RecommendResponse list = LISTS.get(data.consumeInt(0, LISTS.size() - 1));
    int user = LISTS.indexOf(list) / 3;
    FeedbackEvent.Builder event = FeedbackEvent.newBuilder()
        .setEventId(data.consumeBoolean() ? list.getEventId() : data.consumeString(12))
        .setUserId(data.consumeInt(0, 7) == 0 ? data.consumeString(8) : USERS.get(user))
        .setItemId(data.consumeInt(0, 7) == 0 ? data.consumeString(8) : list.getItems(data.consumeInt(0, list.getItemsCount() - 1)).getItemId())
        .setTypeValue(data.consumeInt(0, 7) == 0 ? data.consumeInt() : TYPES[data.consumeInt(0, TYPES.length - 2)].getNumber())
        .setDwellSeconds(data.consumeInt(0, 3) == 0 ? data.consumeDouble() : data.consumeInt(0, 120));
    return event.build();
  }
}
