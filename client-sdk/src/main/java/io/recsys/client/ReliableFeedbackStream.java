package io.recsys.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.StreamFeedbackRequest;
import io.recsys.v1.StreamFeedbackResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A feedback stream that survives broken connections. Every event sent stays in a window until its
 * acknowledgement arrives; when the stream breaks (the network, a proxy or load balancer
 * restarting, the server's graceful shutdown) it reconnects with capped, jittered exponential backoff and
 * resends exactly the events still in the window, in order, before any new one. The server counts
 * an (event, item, type) once, so an event whose ack was lost with the connection comes back
 * DUPLICATE: durable once either way.
 *
 * <p>Flow control: at most {@code window} events are unacknowledged; {@link #send} blocks while the
 * window is full, so a fast producer is slowed to the server's pace rather than buffering without
 * bound. Acknowledgements complete each send's future and reach the callback once per event, in
 * send order. REJECTED events are reported there, not resent. A status that says the stream
 * itself is wrong (a missing token, a permission, an invalid request) ends it: pending and later
 * sends fail with that status; so do {@value #MAX_RECONNECTS} failed reconnects in a row without
 * an acknowledgement (the server has been gone for about a minute).
 *
 * <p>Thread-safe; events from several threads are sent in the order their {@code send} calls
 * took the lock.
 */
public final class ReliableFeedbackStream implements AutoCloseable {
  /** Statuses after which a new stream may succeed: the connection, not the request, failed. */
  private static final Set<Status.Code> RETRYABLE =
      Set.of(Status.Code.UNAVAILABLE, Status.Code.CANCELLED, Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.ABORTED,
          Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED);
  static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final int MAX_BATCH = 1_000;
  /**
   * Failed reconnects in a row (no acknowledgement between them) before the stream gives up, about
   * 35 to 70 s of outage with the jittered backoff above: the same rule as the Node and Python SDKs.
   */
  static final int MAX_RECONNECTS = 20;

  private record Pending(FeedbackEvent event, CompletableFuture<FeedbackAck> ack) {}

  private final FeedbackServiceGrpc.FeedbackServiceStub stub;
  private final Consumer<FeedbackAck> onAck;
  private final Semaphore window;
  private final ScheduledExecutorService reconnects;
  private final Object lock = new Object();
  private final Deque<Pending> unacked = new ArrayDeque<>(); // send order; the head is acked next
  private ClientCallStreamObserver<StreamFeedbackRequest> stream; // null while reconnecting
  private int generation;
  private int failedAttempts;
  /** Acknowledged events whose future and callback are still running (outside the lock). */
  private int delivering;
  private long reconnectCount;
  private RuntimeException failure;
  private boolean closed;

  private final Duration firstBackoff;
  private final Duration maxBackoff;

  ReliableFeedbackStream(FeedbackServiceGrpc.FeedbackServiceStub stub, Consumer<FeedbackAck> onAck, int window) {
    this(stub, onAck, window, FIRST_BACKOFF, MAX_BACKOFF);
  }

  /** With other backoff bounds: tests that must not wait a minute for the stream to give up. */
  ReliableFeedbackStream(
      FeedbackServiceGrpc.FeedbackServiceStub stub, Consumer<FeedbackAck> onAck, int window, Duration firstBackoff,
      Duration maxBackoff) {
    this.firstBackoff = firstBackoff;
    this.maxBackoff = maxBackoff;
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    this.stub = stub;
    this.onAck = onAck;
    this.window = new Semaphore(window);
    this.reconnects =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "recsys-feedback-reconnect");
              thread.setDaemon(true);
              return thread;
            });
    synchronized (lock) {
      open();
    }
  }

  /**
   * Sends one event, first waiting (at most {@code maxWait}) for room in the window.
   *
   * @return completes with the event's acknowledgement (ACCEPTED, DUPLICATE or REJECTED)
   * @throws TimeoutException if the window stayed full for {@code maxWait}
   * @throws IllegalStateException if the stream ended (closed, or a non-retryable status)
   */
  public CompletableFuture<FeedbackAck> send(FeedbackEvent event, Duration maxWait) throws InterruptedException, TimeoutException {
    if (!window.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("the feedback window stayed full for " + maxWait + " (the server is slow or unreachable)");
    }
    Pending pending = new Pending(event, new CompletableFuture<>());
    synchronized (lock) {
      if (failure != null || closed) {
        window.release();
        throw new IllegalStateException("the feedback stream has ended", failure);
      }
      unacked.addLast(pending);
      if (stream != null) {
        stream.onNext(StreamFeedbackRequest.newBuilder().setEvent(event).build());
      }
    }
    return pending.ack();
  }

  /** {@link #send(FeedbackEvent, Duration)} waiting up to 30 s for room. */
  public CompletableFuture<FeedbackAck> send(FeedbackEvent event) throws InterruptedException, TimeoutException {
    return send(event, Duration.ofSeconds(30));
  }

  /** Events sent and not yet acknowledged. */
  public int unacknowledged() {
    synchronized (lock) {
      return unacked.size();
    }
  }

  /** Times the stream was opened again after breaking. */
  public long reconnects() {
    synchronized (lock) {
      return reconnectCount;
    }
  }

  /**
   * Waits until every event sent so far is acknowledged, its future completed and the callback
   * run.
   *
   * @throws TimeoutException if some are still unacknowledged after {@code timeout} (for example
   *     the server has been unreachable all along: the stream keeps trying until it gives up)
   * @throws IllegalStateException if the stream ended with a non-retryable status
   */
  public void flush(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while ((!unacked.isEmpty() || delivering > 0) && failure == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(unacked.size() + " feedback events still unacknowledged after " + timeout);
        }
        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      if (failure != null) {
        throw new IllegalStateException("the feedback stream failed", failure);
      }
    }
  }

  /** Waits up to 30 s for every acknowledgement, then ends the stream. */
  @Override
  public void close() throws InterruptedException, TimeoutException {
    try {
      flush(Duration.ofSeconds(30));
    } finally {
      synchronized (lock) {
        closed = true;
        if (stream != null) {
          stream.onCompleted();
          stream = null;
        }
        generation++; // callbacks of the ended stream change nothing
        lock.notifyAll();
      }
      reconnects.shutdownNow();
    }
  }

  /** Opens a stream and resends the window in order; holds the lock. */
  private void open() {
    int opened = ++generation;
    ClientCallStreamObserver<StreamFeedbackRequest>[] started = new ClientCallStreamObserver[1];
    stub.streamFeedback(
        new ClientResponseObserver<StreamFeedbackRequest, StreamFeedbackResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<StreamFeedbackRequest> requests) {
            started[0] = requests;
          }

          @Override
          public void onNext(StreamFeedbackResponse response) {
            List<FeedbackAck> acks = new ArrayList<>(response.getAcksCount() + 1);
            if (response.hasAck()) {
              acks.add(response.getAck());
            }
            acks.addAll(response.getAcksList());
            acknowledged(opened, acks);
          }

          @Override
          public void onError(Throwable t) {
            broken(opened, Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            broken(opened, Status.UNAVAILABLE.withDescription("the server ended the feedback stream"));
          }
        });
    stream = started[0];
    List<FeedbackEvent> batch = new ArrayList<>(Math.min(unacked.size(), MAX_BATCH));
    for (Pending pending : unacked) {
      batch.add(pending.event());
      if (batch.size() == MAX_BATCH) {
        stream.onNext(StreamFeedbackRequest.newBuilder().addAllEvents(batch).build());
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      stream.onNext(StreamFeedbackRequest.newBuilder().addAllEvents(batch).build());
    }
  }

  private void acknowledged(int streamGeneration, List<FeedbackAck> acks) {
    List<Pending> done = new ArrayList<>(acks.size());
    synchronized (lock) {
      if (streamGeneration != generation) {
        return; // a broken stream's late answer: its events were resent and are answered again
      }
      failedAttempts = 0;
      for (int i = 0; i < acks.size() && !unacked.isEmpty(); i++) {
        done.add(unacked.pollFirst());
      }
      delivering += done.size();
    }
    try {
      for (int i = 0; i < done.size(); i++) {
        window.release();
        done.get(i).ack().complete(acks.get(i));
        onAck.accept(acks.get(i));
      }
    } finally {
      synchronized (lock) {
        delivering -= done.size();
        lock.notifyAll(); // flush returns once every future and callback has run
      }
    }
  }

  private void broken(int streamGeneration, Status status) {
    List<Pending> failed = List.of();
    synchronized (lock) {
      if (streamGeneration != generation || closed) {
        return;
      }
      stream = null;
      boolean givingUp = failedAttempts >= MAX_RECONNECTS;
      if (!RETRYABLE.contains(status.getCode()) || givingUp) {
        failure =
            givingUp
                ? status.augmentDescription("gave up after " + MAX_RECONNECTS + " reconnects without an acknowledgement")
                    .asRuntimeException()
                : status.asRuntimeException();
        failed = new ArrayList<>(unacked);
        unacked.clear();
        lock.notifyAll();
      } else {
        long base = Math.min(maxBackoff.toMillis(), firstBackoff.toMillis() << Math.min(failedAttempts, 10));
        // Jitter: clients cut off together (a server restart) do not all come back at the same instant.
        long delay = Math.max(1, (long) (base * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble())));
        failedAttempts++;
        reconnects.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
      }
    }
    for (Pending pending : failed) {
      window.release();
      pending.ack().completeExceptionally(failure);
    }
  }

  private void reconnect() {
    synchronized (lock) {
      if (closed || failure != null) {
        return;
      }
      reconnectCount++;
      open();
    }
  }
}
