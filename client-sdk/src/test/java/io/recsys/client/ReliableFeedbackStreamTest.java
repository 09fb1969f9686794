package io.recsys.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ReliableFeedbackStream} against an in-process server that never accepts a stream. */
class ReliableFeedbackStreamTest {
  private final AtomicInteger opened = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void itGivesUpAfterMaxReconnectsWithoutAnAcknowledgement() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new FeedbackServiceGrpc.FeedbackServiceImplBase() {
                  @Override
                  public StreamObserver<StreamFeedbackRequest> streamFeedback(StreamObserver<StreamFeedbackResponse> responses) {
                    opened.incrementAndGet();
                    responses.onError(Status.UNAVAILABLE.withDescription("down for the test").asRuntimeException());
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(StreamFeedbackRequest request) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .directExecutor()
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    ReliableFeedbackStream stream =
        new ReliableFeedbackStream(FeedbackServiceGrpc.newStub(channel), ack -> {}, 4, Duration.ofMillis(1), Duration.ofMillis(2));

    CompletableFuture<FeedbackAck> ack =
        stream.send(FeedbackEvent.newBuilder().setEventId("e1").setUserId("u").setItemId("i").build());

    assertThatThrownBy(() -> ack.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("gave up after " + ReliableFeedbackStream.MAX_RECONNECTS);
        });
    assertThat(opened.get()).as("the first stream and every reconnect").isEqualTo(ReliableFeedbackStream.MAX_RECONNECTS + 1);
    assertThat(stream.reconnects()).isEqualTo(ReliableFeedbackStream.MAX_RECONNECTS);
    assertThatThrownBy(() -> stream.send(FeedbackEvent.newBuilder().setEventId("e2").build()))
        .isInstanceOf(IllegalStateException.class);
  }
}
