package io.recsys.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.recsys.client.RecsysClient;
import io.recsys.server.ops.ServerProcess;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.FeedbackType;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feedback producer that never stops cannot make the server hold more than a window. */
class FeedbackFlowControlTest {
  /** Far above what the server's window plus HTTP/2's buffers hold (about 50,000 here: 1,024 in the server, the rest in HTTP/2 windows). */
  private static final long BOUND = 100_000;

  @TempDir Path dir;

  @Test
  void aClientThatReadsNoAcknowledgementsIsStoppedThenDrainedCompletely() throws Exception {
    try (ServerProcess server = ServerProcess.startWithHeap("384m", args())) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        FeedbackEvent event = anEvent(client);
        AtomicLong acks = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Object ready = new Object();
        CompletableFuture<ClientCallStreamObserver<StreamFeedbackRequest>> started = new CompletableFuture<>();
        FeedbackServiceGrpc.newStub(client.channel())
            .streamFeedback(
                new ClientResponseObserver<StreamFeedbackRequest, StreamFeedbackResponse>() {
                  @Override
                  public void beforeStart(ClientCallStreamObserver<StreamFeedbackRequest> stream) {
                    stream.disableAutoRequestWithInitial(0); // reads no acknowledgement for now
                    stream.setOnReadyHandler(() -> {
                      synchronized (ready) {
                        ready.notifyAll();
                      }
                    });
                    started.complete(stream);
                  }

                  @Override
                  public void onNext(StreamFeedbackResponse value) {
                    acks.incrementAndGet();
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
        ClientCallStreamObserver<StreamFeedbackRequest> stream = started.get();
        StreamFeedbackRequest request = StreamFeedbackRequest.newBuilder().setEvent(event).build();

        long sent = 0;
        long blockedSince = 0;
        while (sent < 10 * BOUND) {
          if (stream.isReady()) {
            stream.onNext(request);
            sent++;
            blockedSince = 0;
            continue;
          }
          if (blockedSince == 0) {
            blockedSince = System.nanoTime();
          } else if (System.nanoTime() - blockedSince > Duration.ofSeconds(2).toNanos()) {
            break;
          }
          synchronized (ready) {
            ready.wait(50);
          }
        }

        assertThat(sent).as("events the producer got out before the server pushed back").isLessThan(BOUND);
        assertThat(client.status().getModelVersion()).as("the server still answers").isNotEmpty();

        stream.request(Integer.MAX_VALUE); // now read every acknowledgement
        stream.onCompleted();
        done.get(60, TimeUnit.SECONDS);
        assertThat(acks.get()).isEqualTo(sent);
      }
      assertThat(server.terminate()).isZero();
    }
  }

  @Test
  void aClientThatIgnoresReadinessDoesNotExhaustTheServersHeap() throws Exception {
    try (ServerProcess server = ServerProcess.startWithHeap("384m", args())) {
      int port = server.awaitServing();
      try (RecsysClient client = RecsysClient.builder("localhost:" + port).build()) {
        FeedbackEvent event = anEvent(client);
        StreamFeedbackRequest request = StreamFeedbackRequest.newBuilder().setEvent(event).build();
        var stream =
            FeedbackServiceGrpc.newStub(client.channel())
                .streamFeedback(
                    new io.grpc.stub.StreamObserver<StreamFeedbackResponse>() {
                      @Override
                      public void onNext(StreamFeedbackResponse value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    });
        // 2 million events, about 150 MB on the wire: if the server read them all into memory it
        // would run out of its 384 MB heap; it reads only what it asked for.
        for (int i = 0; i < 2_000_000; i++) {
          stream.onNext(request);
        }

        Thread.sleep(2_000);
        assertThat(client.status().getFeedbackEventsDurable()).isEqualTo(1);
        assertThat(server.log()).noneMatch(line -> line.contains("OutOfMemoryError"));
        stream.onError(new RuntimeException("enough"));
      }
      assertThat(server.terminate()).isZero();
    }
  }

  private String[] args() throws Exception {
    Path catalog = Files.writeString(dir.resolve("items.csv"), "item_id,title\na,Alpha\nb,Beta\nc,Gamma\n");
    return new String[] {"--port", "0", "--data-dir", dir.resolve("data").toString(), "--catalog", catalog.toString()};
  }

  private static FeedbackEvent anEvent(RecsysClient client) {
    RecommendResponse list = client.recommend("flow-user", 3);
    return FeedbackEvent.newBuilder()
        .setEventId(list.getEventId())
        .setUserId("flow-user")
        .setItemId(list.getItems(0).getItemId())
        .setType(FeedbackType.FEEDBACK_TYPE_CLICK)
        .build();
  }
}
