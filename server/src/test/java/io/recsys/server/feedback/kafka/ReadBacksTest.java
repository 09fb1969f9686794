package io.recsys.server.feedback.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recsys.server.feedback.LogUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Appends between send and read-back: bounded by bytes and by time. */
class ReadBacksTest {
  @Test
  void pastTheByteBoundAnAppendIsRefusedUntilAReadBackFreesRoom() {
    ReadBacks readBacks = new ReadBacks(100, Duration.ofMinutes(1));
    CompletableFuture<Void> first = new CompletableFuture<>();
    assertThat(readBacks.await(1, 60, first)).isTrue();
    assertThat(readBacks.await(2, 60, new CompletableFuture<>())).isFalse();
    assertThat(readBacks.readBack(1)).isSameAs(first);
    assertThat(readBacks.await(3, 60, new CompletableFuture<>())).isTrue();
    assertThat(readBacks.readBack(1)).as("read back once").isNull();
  }

  @Test
  void anAppendNotReadBackInTimeFailsUnavailableAndLaterReadsFindNothing() throws Exception {
    ReadBacks readBacks = new ReadBacks(1_000, Duration.ofMillis(20));
    CompletableFuture<Void> old = new CompletableFuture<>();
    readBacks.await(1, 10, old);
    Thread.sleep(40);
    CompletableFuture<Void> fresh = new CompletableFuture<>();
    readBacks.await(2, 10, fresh);

    assertThat(readBacks.expire()).isEqualTo(1);
    assertThatThrownBy(old::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LogUnavailableException.class);
    assertThat(fresh).isNotDone();
    assertThat(readBacks.readBack(1)).isNull(); // its record, read later, applies as anyone's
    assertThat(readBacks.readBack(2)).isSameAs(fresh);
  }
}
