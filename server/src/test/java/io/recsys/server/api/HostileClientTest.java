package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.recsys.client.RecsysClient;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.GetItemRequest;
import io.recsys.v1.Item;
import io.recsys.v1.PinModelVersionRequest;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommenderServiceGrpc;
import io.recsys.v1.ReportFeedbackRequest;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import io.recsys.v1.UpsertItemsRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an outside fuzzer found, over a real socket: bytes that are no request, requests of the
 * wrong shape and unknown enum numbers get a precise status on every RPC, end only their own call,
 * and leave the server serving; a call that did not complete changes nothing.
 */
class HostileClientTest {
  private static final byte[] GARBAGE = {0x3f};
  private static final int DIM = 8;

  @TempDir static Path dir;
  private static VectorCatalogServer running;
  private static RecsysClient client;

  @BeforeAll
  static void start() throws Exception {
    running = VectorCatalogServer.start(dir, 3, 200, DIM, "h", config -> config);
    client = running.client;
  }

  @AfterAll
  static void stop() {
    running.close();
  }

  private static ManagedChannel channel() {
    return client.channel();
  }

  @Test
  void bytesThatAreNoRequestGetInvalidArgumentOnEveryRpc() throws Exception {
    long before = client.status().getRequestsMalformed();
    List<MethodDescriptor<?, ?>> methods = RawCalls.allMethods();

    for (MethodDescriptor<?, ?> method : methods) {
      Status status = RawCalls.call(channel(), method, GARBAGE);
      assertThat(status.getCode()).as(method.getFullMethodName()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).as(method.getFullMethodName()).contains("could not be parsed");
    }
    assertThat(client.status().getRequestsMalformed() - before).isEqualTo(methods.size());
  }

  @Test
  void invalidUtf8InAStringFieldGetsInvalidArgumentOnEveryRpcThatTakesAString() throws Exception {
    for (Map.Entry<MethodDescriptor<?, ?>, MessageLite> entry : requestsWithAStringField().entrySet()) {
      Status status = RawCalls.call(channel(), entry.getKey(), withLoneSurrogate(entry.getValue()));
      assertThat(status.getCode()).as(entry.getKey().getFullMethodName()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).as(entry.getKey().getFullMethodName()).contains("could not be parsed");
    }
  }

  @Test
  void unparseableScoringCallsDoNotUseUpTheScoringPermits() throws Exception {
    // 64 is --max-concurrent-scoring; each unparseable call used to keep its permit for ever.
    for (int i = 0; i < 100; i++) {
      RawCalls.call(channel(), RecommenderServiceGrpc.getRecommendMethod(), GARBAGE);
      RawCalls.call(channel(), RecommenderServiceGrpc.getRecommendBatchMethod(), GARBAGE);
    }

    assertThat(client.recommend("after-garbage", 3).getItemsCount()).isEqualTo(3);
    assertThat(client.recommendBatch(List.of(RecommendRequest.newBuilder().setUserId("b").setK(2).build()))
        .getResponsesCount()).isEqualTo(1);
  }

  @Test
  void aUnaryCallWithNoRequestIsInvalidArgumentAndOneWithTwoIsRefused() throws Exception {
    byte[] valid = RecommendRequest.newBuilder().setUserId("twice").setK(2).build().toByteArray();

    Status none = RawCalls.call(channel(), AdminServiceGrpc.getGetStatusMethod());
    Status two = RawCalls.call(channel(), RecommenderServiceGrpc.getRecommendMethod(), valid, valid);

    assertThat(none.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(none.getDescription()).contains("exactly one request message, got none");
    // grpc-java's transport resets such a stream itself (the client sees CANCELLED); never OK.
    assertThat(two.getCode()).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.CANCELLED);
    assertThat(client.recommend("twice", 2).getItemsCount()).isEqualTo(2);
  }

  @Test
  void aBadFeedbackStreamEndsOnlyItselfNotTheConnection() throws Exception {
    // A healthy stream on the same HTTP/2 connection as the bad ones.
    RawCalls.Call healthy =
        RawCalls.open(channel(), FeedbackServiceGrpc.getStreamFeedbackMethod(), CallOptions.DEFAULT);
    healthy.send(streamRequest(click("healthy")));
    assertThat(StreamFeedbackResponse.parseFrom(healthy.nextResponse()).getAck().getStatus())
        .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);

    List<RawCalls.Call> bad = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      RawCalls.Call call = RawCalls.open(channel(), FeedbackServiceGrpc.getStreamFeedbackMethod(), CallOptions.DEFAULT);
      // A valid event whose ack is written while the garbage right behind it is refused.
      call.send(streamRequest(click("bad-stream-" + i)));
      call.send(GARBAGE);
      call.halfClose();
      bad.add(call);
    }
    for (RawCalls.Call call : bad) {
      Status status = call.awaitStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("could not be parsed");
    }

    healthy.send(streamRequest(click("healthy-again")));
    assertThat(StreamFeedbackResponse.parseFrom(healthy.nextResponse()).getAck().getStatus())
        .isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    healthy.halfClose();
    assertThat(healthy.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    assertThat(client.recommend("after-bad-streams", 2).getItemsCount()).isEqualTo(2);
  }

  @Test
  void aStreamThatTurnsToGarbageEndsAloneOnEveryStreamingRpcAndAppliesNothing() throws Exception {
    long catalogVersion = client.status().getCatalogVersion();
    Map<MethodDescriptor<?, ?>, byte[]> validFirst =
        Map.of(
            FeedbackServiceGrpc.getStreamFeedbackMethod(), streamRequest(click("turns-to-garbage")),
            CatalogServiceGrpc.getUpsertItemsMethod(),
                UpsertItemsRequest.newBuilder()
                    .setItem(Item.newBuilder().setItemId("half-garbage").setTitle("Never").addAllEmbedding(List.of(1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)))
                    .build().toByteArray(),
            ServerReflectionGrpc.getServerReflectionInfoMethod(), ServerReflectionRequest.newBuilder().setListServices("").build().toByteArray());
    RawCalls.Call bystander = RawCalls.open(channel(), ServerReflectionGrpc.getServerReflectionInfoMethod(), CallOptions.DEFAULT);

    for (Map.Entry<MethodDescriptor<?, ?>, byte[]> entry : validFirst.entrySet()) {
      Status status = RawCalls.call(channel(), entry.getKey(), entry.getValue(), GARBAGE);
      assertThat(status.getCode()).as(entry.getKey().getFullMethodName()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    bystander.send(ServerReflectionRequest.newBuilder().setListServices("").build().toByteArray());
    assertThat(bystander.nextResponse()).as("a stream open on the same connection still answers").isNotNull();
    bystander.halfClose();
    assertThat(bystander.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    assertThat(client.status().getCatalogVersion()).isEqualTo(catalogVersion);
    assertThatThrownBy(() -> client.getItem("half-garbage")).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void anUnknownFeedbackTypeNumberIsRejectedAndTheStreamStaysOpen() throws Exception {
    for (int unknown : new int[] {7, 99, -1, Integer.MAX_VALUE}) {
      FeedbackEvent event = click("unknown-type-" + unknown).toBuilder().setTypeValue(unknown).build();

      FeedbackAck unary = client.reportFeedback(event);
      assertThat(unary.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_REJECTED);
      assertThat(unary.getReason()).contains("type");
      assertThat(unary.getTypeValue()).isEqualTo(unknown);

      RawCalls.Call stream = RawCalls.open(channel(), FeedbackServiceGrpc.getStreamFeedbackMethod(), CallOptions.DEFAULT);
      stream.send(streamRequest(event));
      stream.send(streamRequest(click("after-unknown-" + unknown)));
      FeedbackAck first = StreamFeedbackResponse.parseFrom(stream.nextResponse()).getAck();
      FeedbackAck second = StreamFeedbackResponse.parseFrom(stream.nextResponse()).getAck();
      stream.halfClose();

      assertThat(first.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_REJECTED);
      assertThat(second.getStatus()).isEqualTo(FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
      assertThat(stream.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    }
    // In a batch of events, the unknown one is rejected alone.
    FeedbackEvent unknown = click("batch-unknown").toBuilder().setTypeValue(42).build();
    RawCalls.Call batch = RawCalls.open(channel(), FeedbackServiceGrpc.getStreamFeedbackMethod(), CallOptions.DEFAULT);
    batch.send(StreamFeedbackRequest.newBuilder().addEvents(unknown).addEvents(click("batch-known")).build().toByteArray());
    List<FeedbackAck> acks = StreamFeedbackResponse.parseFrom(batch.nextResponse()).getAcksList();
    batch.halfClose();
    assertThat(acks).extracting(FeedbackAck::getStatus)
        .containsExactly(FeedbackStatus.FEEDBACK_STATUS_REJECTED, FeedbackStatus.FEEDBACK_STATUS_ACCEPTED);
    assertThat(batch.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void anUpsertCancelledBeforeItsHalfCloseChangesNothing() throws Exception {
    long version = client.status().getCatalogVersion();
    byte[] item =
        UpsertItemsRequest.newBuilder()
            .setItem(Item.newBuilder().setItemId("cancelled-upsert").setTitle("Never").addAllEmbedding(List.of(1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)))
            .build()
            .toByteArray();

    RawCalls.Call cancelled = RawCalls.open(channel(), CatalogServiceGrpc.getUpsertItemsMethod(), CallOptions.DEFAULT);
    cancelled.send(item);
    Thread.sleep(500);
    cancelled.call.cancel("the client gave up", null);
    RawCalls.Call expired =
        RawCalls.open(channel(), CatalogServiceGrpc.getUpsertItemsMethod(), CallOptions.DEFAULT.withDeadlineAfter(500, TimeUnit.MILLISECONDS));
    expired.send(item);

    assertThat(cancelled.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(expired.awaitStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Thread.sleep(500);
    assertThatThrownBy(() -> client.getItem("cancelled-upsert"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(client.status().getCatalogVersion()).isEqualTo(version);
  }

  /** A click on the first item of a list just served to {@code user}. */
  private static FeedbackEvent click(String user) {
    RecommendResponse list = client.recommend(user, 3);
    return FeedbackEvent.newBuilder()
        .setEventId(list.getEventId())
        .setUserId(user)
        .setItemId(list.getItems(0).getItemId())
        .setType(FeedbackType.FEEDBACK_TYPE_CLICK)
        .build();
  }

  private static byte[] streamRequest(FeedbackEvent event) {
    return StreamFeedbackRequest.newBuilder().setEvent(event).build().toByteArray();
  }

  /** One valid request per RPC that takes a string, with "XXX" in one of its string fields. */
  private static Map<MethodDescriptor<?, ?>, MessageLite> requestsWithAStringField() {
    FeedbackEvent event = FeedbackEvent.newBuilder().setEventId("XXX").setUserId("u").setItemId("i").setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
    RecommendRequest recommend = RecommendRequest.newBuilder().setUserId("XXX").setK(3).build();
    return Map.of(
        RecommenderServiceGrpc.getRecommendMethod(), recommend,
        RecommenderServiceGrpc.getRecommendBatchMethod(), RecommendBatchRequest.newBuilder().addRequests(recommend).build(),
        CatalogServiceGrpc.getUpsertItemsMethod(), UpsertItemsRequest.newBuilder().setItem(Item.newBuilder().setItemId("XXX").setTitle("t")).build(),
        CatalogServiceGrpc.getGetItemMethod(), GetItemRequest.newBuilder().setItemId("XXX").build(),
        AdminServiceGrpc.getPinModelVersionMethod(), PinModelVersionRequest.newBuilder().setVersion("XXX").build(),
        FeedbackServiceGrpc.getStreamFeedbackMethod(), StreamFeedbackRequest.newBuilder().setEvent(event).build(),
        FeedbackServiceGrpc.getReportFeedbackMethod(), ReportFeedbackRequest.newBuilder().setEvent(event).build(),
        HealthGrpc.getCheckMethod(), HealthCheckRequest.newBuilder().setService("XXX").build(),
        HealthGrpc.getWatchMethod(), HealthCheckRequest.newBuilder().setService("XXX").build(),
        ServerReflectionGrpc.getServerReflectionInfoMethod(), ServerReflectionRequest.newBuilder().setHost("XXX").build());
  }

  /** The message's bytes with its "XXX" replaced by the UTF-8 encoding of a lone surrogate (U+D800). */
  private static byte[] withLoneSurrogate(MessageLite message) {
    byte[] bytes = message.toByteArray();
    byte[] marker = "XXX".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i + marker.length <= bytes.length; i++) {
      if (bytes[i] == marker[0] && bytes[i + 1] == marker[1] && bytes[i + 2] == marker[2]) {
        bytes[i] = (byte) 0xED;
        bytes[i + 1] = (byte) 0xA0;
        bytes[i + 2] = (byte) 0x80;
        return bytes;
      }
    }
    throw new AssertionError("no marker in " + message);
  }
}
