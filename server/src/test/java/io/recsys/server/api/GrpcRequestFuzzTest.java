package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.GetItemRequest;
import io.recsys.v1.Item;
import io.recsys.v1.PinModelVersionRequest;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.ReportFeedbackRequest;
import io.recsys.v1.SetTrainingPausedRequest;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.UpsertItemsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Coverage-guided fuzzing of every RPC the server exposes, over a real socket: the fuzzer picks a
 * method and up to two messages of raw bytes (it learns the protobuf wire format from the coverage
 * of our own parsing and validation), the server must answer with a status a client can act on:
 * never {@code INTERNAL} or {@code UNKNOWN}, and never by hanging. Seeds are valid and near-valid
 * requests of each method; with every build they run as regression cases, and {@code
 * JAZZER_FUZZ=1} fuzzes from them ({@code .ci/run} does, for 30 s; see docs/testing.md).
 */
class GrpcRequestFuzzTest {
  private static final Set<Status.Code> NEVER_FOR_CLIENT_INPUT = EnumSet.of(Status.Code.INTERNAL, Status.Code.UNKNOWN);
  /** Every method but Health/Watch, a stream that by design stays open while the server runs. */
  private static final List<MethodDescriptor<?, ?>> METHODS =
      RawCalls.allMethods().stream().filter(m -> !m.getFullMethodName().equals("grpc.health.v1.Health/Watch")).toList();
  private static final int DIM = 8;

  private static Path dir;
  private static VectorCatalogServer running;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("grpc-fuzz");
    running = VectorCatalogServer.start(dir, 5, 40, DIM, "item-", c -> c);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", running.server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    running.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static Stream<Arguments> anyRequestGetsAStatusAClientCanActOn() {
    return Stream.of(
        seed("recsys.v1.RecommenderService/Recommend", RecommendRequest.newBuilder().setUserId("u1").setK(5).addExcludeItemIds("item-1").build().toByteArray()),
        seed("recsys.v1.RecommenderService/Recommend", RecommendRequest.newBuilder().setUserId("u1").setK(-3).build().toByteArray()),
        seed("recsys.v1.RecommenderService/RecommendBatch",
            RecommendBatchRequest.newBuilder().addRequests(RecommendRequest.newBuilder().setUserId("u2").setK(3)).build().toByteArray()),
        seed("recsys.v1.CatalogService/GetItem", GetItemRequest.newBuilder().setItemId("item-3").build().toByteArray()),
        seed("recsys.v1.CatalogService/UpsertItems",
            UpsertItemsRequest.newBuilder().setItem(Item.newBuilder().setItemId("new").setTitle("t").addAllEmbedding(List.of(1f, 2f))).build().toByteArray()),
        seed("recsys.v1.FeedbackService/ReportFeedback",
            ReportFeedbackRequest.newBuilder().setEvent(event()).build().toByteArray()),
        seed("recsys.v1.FeedbackService/StreamFeedback",
            StreamFeedbackRequest.newBuilder().addEvents(event()).addEvents(event().toBuilder().setDwellSeconds(-1)).build().toByteArray()),
        seed("recsys.v1.AdminService/PinModelVersion", PinModelVersionRequest.newBuilder().setVersion("v7").build().toByteArray()),
        seed("recsys.v1.AdminService/SetTrainingPaused", SetTrainingPausedRequest.newBuilder().setPaused(false).build().toByteArray()),
        seed("recsys.v1.AdminService/GetStatus", new byte[0]),
        seed("grpc.health.v1.Health/Check", new byte[0]),
        seed("recsys.v1.RecommenderService/Recommend", new byte[] {0x0a, (byte) 0xff, 0x01}));
  }

  @org.junit.jupiter.params.provider.MethodSource
  @FuzzTest(maxDuration = "30s")
  void anyRequestGetsAStatusAClientCanActOn(int method, byte @NotNull [] first, byte @NotNull [] second) throws Exception {
    MethodDescriptor<?, ?> target = METHODS.get(Math.floorMod(method, METHODS.size()));
    RawCalls.Call call = RawCalls.open(channel, target, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    call.send(first);
    if (second.length > 0) {
      call.send(second);
    }
    call.halfClose();
    Status status = call.awaitStatus();
    assertThat(status.getCode())
        .as("%s answered %s: %s", target.getFullMethodName(), status.getCode(), status.getDescription())
        .isNotIn(NEVER_FOR_CLIENT_INPUT)
        .isNotEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  private static Arguments seed(String method, byte[] message) {
    int index = -1;
    for (int i = 0; i < METHODS.size(); i++) {
      if (METHODS.get(i).getFullMethodName().equals(method)) {
        index = i;
      }
    }
    if (index < 0) {
      throw new IllegalArgumentException("no method " + method);
    }
    return arguments(index, message, new byte[0]);
  }

  private static FeedbackEvent event() {
    return FeedbackEvent.newBuilder().setEventId("e-1").setUserId("u1").setItemId("item-2").setType(FeedbackType.FEEDBACK_TYPE_CLICK).build();
  }
}
