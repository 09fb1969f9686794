package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
  /** A pure batch function: each request's answer depends only on the request. */
  private static List<String> answer(List<Integer> requests, AtomicInteger largest) {
    largest.accumulateAndGet(requests.size(), Math::max);
    return requests.stream().map(r -> "answer-" + r).toList();
  }

  @Test
  void everyCallerGetsItsOwnResultUnderRandomConcurrency() throws Exception {
    Random random = new Random(9);
    for (int round = 0; round < 5; round++) {
      int threads = 1 + random.nextInt(32);
      int maxBatch = 1 + random.nextInt(64);
      AtomicInteger largest = new AtomicInteger();
      DynamicBatcher<Integer, String> batcher =
          new DynamicBatcher<>("test", r -> answer(r, largest), r -> false, maxBatch, Duration.ofNanos(200_000), 10_000);
      ExecutorService callers = Executors.newFixedThreadPool(threads);
      List<Future<?>> calls = new ArrayList<>();
      AtomicInteger next = new AtomicInteger();
      for (int t = 0; t < threads; t++) {
        calls.add(callers.submit(() -> {
          for (int i = 0; i < 300; i++) {
            int request = next.incrementAndGet();
            assertThat(batcher.submit(request).get()).isEqualTo("answer-" + request);
          }
          return null;
        }));
      }
      for (Future<?> call : calls) {
        call.get();
      }
      callers.shutdown();
      batcher.close();

      assertThat(largest.get()).as("round %d: batches never exceed %d", round, maxBatch).isLessThanOrEqualTo(maxBatch);
      if (threads >= 8 && maxBatch >= 8) {
        assertThat(batcher.meanBatchSize()).as("concurrent callers share batches").isGreaterThan(1.5);
      }
    }
  }

  @Test
  void aFullQueueRefusesAtOnceAndAbandonedRequestsAreNotComputed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger computed = new AtomicInteger();
    DynamicBatcher<Integer, String> batcher =
        new DynamicBatcher<>(
            "test",
            requests -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              computed.addAndGet(requests.size());
              return requests.stream().map(String::valueOf).toList();
            },
            r -> r < 0,
            1, Duration.ZERO, 2);
    CompletableFuture<String> busy = batcher.submit(1); // the worker holds it
    Thread.sleep(100);
    CompletableFuture<String> abandoned = batcher.submit(-1);
    CompletableFuture<String> queued = batcher.submit(2);
    CompletableFuture<String> refused = batcher.submit(3);

    assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RejectedExecutionException.class);
    release.countDown();
    assertThat(busy.get()).isEqualTo("1");
    assertThat(queued.get()).isEqualTo("2");
    assertThatThrownBy(abandoned::get).hasCauseInstanceOf(DynamicBatcher.AbandonedException.class);
    assertThat(computed.get()).isEqualTo(2);
    batcher.close();
  }

  @Test
  void aFailingBatchFailsEachOfItsCallers() throws Exception {
    DynamicBatcher<Integer, String> batcher =
        new DynamicBatcher<>("test", r -> { throw new IllegalStateException("boom"); }, r -> false, 8, Duration.ofMillis(1), 10);

    assertThatThrownBy(() -> batcher.submit(1).get()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("boom");
    batcher.close();
  }
}
