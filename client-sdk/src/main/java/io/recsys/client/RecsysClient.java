package io.recsys.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.DeleteItemsRequest;
import io.recsys.v1.DeleteItemsResponse;
import io.recsys.v1.ExportUserRequest;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.ForgetUserRequest;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.v1.GetItemRequest;
import io.recsys.v1.GetStatusRequest;
import io.recsys.v1.GetStatusResponse;
import io.recsys.v1.Item;
import io.recsys.v1.ListModelVersionsRequest;
import io.recsys.v1.ListModelVersionsResponse;
import io.recsys.v1.PinModelVersionRequest;
import io.recsys.v1.RecommendBatchRequest;
import io.recsys.v1.RecommendBatchResponse;
import io.recsys.v1.RecommendRequest;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommenderServiceGrpc;
import io.recsys.v1.ReportFeedbackRequest;
import io.recsys.v1.SetTrainingPausedRequest;
import io.recsys.v1.UpsertItemsRequest;
import io.recsys.v1.UpsertItemsResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Typed client for a recsys server. Every call carries a deadline; calls that are safe to repeat
 * (reads, Recommend, ReportFeedback, DeleteItems and the admin calls, ForgetUser included) are
 * retried by gRPC on UNAVAILABLE with backoff. Failures surface as {@link
 * io.grpc.StatusRuntimeException} with the server's status and message.
 *
 * <pre>{@code
 * try (RecsysClient client = RecsysClient.builder("localhost:50051").build()) {
 *   RecommendResponse top = client.recommend("user-42", 10);
 * }
 * }</pre>
 */
public final class RecsysClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final Duration deadline;
  private final Duration upsertDeadline;

  private RecsysClient(Builder builder, ManagedChannel channel, boolean ownsChannel) {
    this.channel = channel;
    this.ownsChannel = ownsChannel;
    this.deadline = builder.deadline;
    this.upsertDeadline = builder.upsertDeadline;
  }

  /** A client for {@code target}, e.g. {@code "localhost:50051"} or {@code "dns:///recsys:50051"}. */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** The top {@code k} items for {@code userId}. */
  public RecommendResponse recommend(String userId, int k) {
    return recommend(RecommendRequest.newBuilder().setUserId(userId).setK(k).build());
  }

  /** The top {@code k} items for {@code userId}, none of {@code excludedItemIds}. */
  public RecommendResponse recommend(String userId, int k, Collection<String> excludedItemIds) {
    return recommend(
        RecommendRequest.newBuilder()
            .setUserId(userId)
            .setK(k)
            .addAllExcludeItemIds(excludedItemIds)
            .build());
  }

  /**
   * The top {@code k} items for {@code userId} with {@code options}: exclusions, attribute filters
   * ({@link AttributeFilters}), explanations, diversity.
   *
   * <pre>{@code
   * client.recommend("user-42", 10, RecommendOptions.builder()
   *     .filter(AttributeFilters.equalsTo("genre", "sf")).explain(true).build());
   * }</pre>
   */
  public RecommendResponse recommend(String userId, int k, RecommendOptions options) {
    return recommend(options.toRequest(userId, k));
  }

  /** The full form: every field of {@code request} as given (see {@link RecommendOptions#toRequest}). */
  public RecommendResponse recommend(RecommendRequest request) {
    return recommender().recommend(request);
  }

  /**
   * Recommend without blocking: the future completes on a gRPC transport thread (keep what it runs
   * short, or hand it off), or fails with the call's {@link io.grpc.StatusRuntimeException}. Same
   * deadline and retries as {@link #recommend(RecommendRequest)}.
   */
  public CompletableFuture<RecommendResponse> recommendAsync(RecommendRequest request) {
    CompletableFuture<RecommendResponse> result = new CompletableFuture<>();
    RecommenderServiceGrpc.newStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .withExecutor(Runnable::run)
        .recommend(request, completing(result, "Recommend"));
    return result;
  }

  /** Completes {@code result} with a call's one response, or fails it with the call's error. */
  private static <T> StreamObserver<T> completing(CompletableFuture<T> result, String method) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T response) {
        result.complete(response);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        // After onNext this changes nothing; without it the server broke the protocol.
        result.completeExceptionally(new IllegalStateException(method + " completed without a response"));
      }
    };
  }

  /** Many users in one call; responses come back in request order. */
  public RecommendBatchResponse recommendBatch(List<RecommendRequest> requests) {
    return recommender()
        .recommendBatch(RecommendBatchRequest.newBuilder().addAllRequests(requests).build());
  }

  /**
   * Creates or replaces {@code items} as one unit and waits until they are servable. Uses the
   * longer upsert deadline: the server embeds every item's text before it answers.
   */
  public UpsertItemsResponse upsertItems(Collection<Item> items) {
    CompletableFuture<UpsertItemsResponse> result = new CompletableFuture<>();
    StreamObserver<UpsertItemsRequest> stream =
        CatalogServiceGrpc.newStub(channel)
            .withDeadlineAfter(upsertDeadline.toMillis(), TimeUnit.MILLISECONDS)
            .upsertItems(completing(result, "UpsertItems"));
    for (Item item : items) {
      if (result.isDone()) {
        break; // the server already failed the call; the rest would be dropped anyway
      }
      stream.onNext(UpsertItemsRequest.newBuilder().setItem(item).build());
    }
    stream.onCompleted();
    try {
      return result.get(upsertDeadline.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for UpsertItems", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("UpsertItems got no answer within its deadline", e);
    }
  }

  /**
   * Reports one event and returns its acknowledgement once the event is durable (or rejected).
   * Safe to retry: the server counts an (event, item, type) once.
   */
  public FeedbackAck reportFeedback(FeedbackEvent event) {
    return FeedbackServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .reportFeedback(ReportFeedbackRequest.newBuilder().setEvent(event).build())
        .getAck();
  }

  /**
   * Opens a feedback stream; acknowledgements arrive on {@code onAck}, in send order. The stream
   * has no deadline: it lives until {@link FeedbackSession#finish} or {@link
   * FeedbackSession#close}.
   */
  public FeedbackSession openFeedbackStream(Consumer<FeedbackAck> onAck) {
    return new FeedbackSession(FeedbackServiceGrpc.newStub(channel), onAck);
  }

  /**
   * Opens a feedback stream that reconnects when the connection breaks and resends what was not
   * acknowledged (see {@link ReliableFeedbackStream}); at most {@code window} events are in flight.
   */
  public ReliableFeedbackStream reliableFeedbackStream(Consumer<FeedbackAck> onAck, int window) {
    return new ReliableFeedbackStream(FeedbackServiceGrpc.newStub(channel), onAck, window);
  }

  /** Serves {@code version} again (the baseline "v1" or an earlier learned one) and pauses training. */
  public String pinModelVersion(String version) {
    return admin().pinModelVersion(PinModelVersionRequest.newBuilder().setVersion(version).build()).getModelVersion();
  }

  /** Pauses (true) or resumes (false) the background trainer; returns whether it is paused now. */
  public boolean setTrainingPaused(boolean paused) {
    return admin().setTrainingPaused(SetTrainingPausedRequest.newBuilder().setPaused(paused).build()).getPaused();
  }

  /** The item; NOT_FOUND if the server does not know it (or it was deleted). */
  public Item getItem(String itemId) {
    return catalog().getItem(GetItemRequest.newBuilder().setItemId(itemId).build()).getItem();
  }

  /**
   * Retires {@code itemIds} (1 to 10,000): they leave every list served after the call returns
   * and GetItem answers NOT_FOUND for them; upserting an id again brings its item back. Durable
   * and idempotent, so it is retried on UNAVAILABLE: ids the catalog did not hold (unknown, or
   * deleted before, by an earlier attempt too) come back in {@code missing_item_ids}, not as an
   * error.
   */
  public DeleteItemsResponse deleteItems(Collection<String> itemIds) {
    return catalog().deleteItems(DeleteItemsRequest.newBuilder().addAllItemIds(itemIds).build());
  }

  /**
   * Erases everything the server stores about {@code userId} (state, learned parameters, open
   * impressions, replay transitions, log records); it survives a restart. {@code found} is false
   * when the server held nothing about the user, also when an earlier attempt of this call had
   * already erased it (the call is idempotent and retried on UNAVAILABLE). FAILED_PRECONDITION on
   * a server whose feedback log is Kafka. The server rewrites its logs before it answers: on a large
   * log use {@link #forgetUser(String, Duration)} with a longer deadline.
   */
  public ForgetUserResponse forgetUser(String userId) {
    return forgetUser(userId, deadline);
  }

  /** {@link #forgetUser(String)} under {@code callDeadline} instead of the client's deadline. */
  public ForgetUserResponse forgetUser(String userId, Duration callDeadline) {
    return admin(callDeadline).forgetUser(ForgetUserRequest.newBuilder().setUserId(userId).build());
  }

  /**
   * Everything the server stores about {@code userId} (the right of access): state, reactions,
   * and the served lists its logs still hold; {@code found} is false when it holds nothing.
   */
  public ExportUserResponse exportUser(String userId) {
    return exportUser(userId, deadline);
  }

  /** {@link #exportUser(String)} under {@code callDeadline}: the server reads its logs to answer. */
  public ExportUserResponse exportUser(String userId, Duration callDeadline) {
    return admin(callDeadline).exportUser(ExportUserRequest.newBuilder().setUserId(userId).build());
  }

  public GetStatusResponse status() {
    return admin().getStatus(GetStatusRequest.getDefaultInstance());
  }

  public ListModelVersionsResponse modelVersions() {
    return admin().listModelVersions(ListModelVersionsRequest.getDefaultInstance());
  }

  /** The underlying channel, for stubs this client does not wrap (health, reflection). */
  public ManagedChannel channel() {
    return channel;
  }

  private RecommenderServiceGrpc.RecommenderServiceBlockingStub recommender() {
    return RecommenderServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CatalogServiceGrpc.CatalogServiceBlockingStub catalog() {
    return CatalogServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return admin(deadline);
  }

  private AdminServiceGrpc.AdminServiceBlockingStub admin(Duration callDeadline) {
    return AdminServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(Builder.positive("deadline", callDeadline).toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (!ownsChannel) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
  }

  /** Options of a {@link RecsysClient}; every one has a sane default. */
  public static final class Builder {
    private final String target;
    private Duration deadline = Duration.ofSeconds(2);
    private Duration upsertDeadline = Duration.ofMinutes(5);
    private int maxAttempts = 3;
    private ChannelCredentials credentials = InsecureChannelCredentials.create();
    private BearerToken token;

    private Builder(String target) {
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException("target is empty");
      }
      this.target = target;
    }

    /** Deadline of each call but UpsertItems (default 2 s). */
    public Builder deadline(Duration value) {
      this.deadline = positive("deadline", value);
      return this;
    }

    /** Deadline of UpsertItems, which embeds every item before it answers (default 5 min). */
    public Builder upsertDeadline(Duration value) {
      this.upsertDeadline = positive("upsertDeadline", value);
      return this;
    }

    /** Attempts for calls safe to repeat, first one included (default 3; 1 turns retries off). */
    public Builder maxAttempts(int value) {
      if (value < 1 || value > 5) {
        throw new IllegalArgumentException("maxAttempts must be in [1, 5], got " + value);
      }
      this.maxAttempts = value;
      return this;
    }

    /** Use TLS with the JVM's trust store instead of plaintext. */
    public Builder useTransportSecurity() {
      this.credentials = TlsChannelCredentials.create();
      return this;
    }

    /** TLS, trusting the server certificates {@code caCertificates} (PEM) signed. */
    public Builder tls(Path caCertificates) throws IOException {
      this.credentials = TlsChannelCredentials.newBuilder().trustManager(caCertificates.toFile()).build();
      return this;
    }

    /** Mutual TLS: trusts {@code caCertificates} and presents {@code certificateChain} (PEM) with its PKCS#8 key. */
    public Builder mutualTls(Path caCertificates, Path certificateChain, Path privateKey) throws IOException {
      this.credentials =
          TlsChannelCredentials.newBuilder()
              .trustManager(caCertificates.toFile())
              .keyManager(certificateChain.toFile(), privateKey.toFile())
              .build();
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} on every call (feedback, upserts and admin calls need it when the server has tokens). */
    public Builder token(String value) {
      this.token = BearerToken.of(value);
      return this;
    }

    /** Like {@link #token}, read from a file (its first line) and re-read when the file changes, so a rotated token is picked up. */
    public Builder tokenFile(Path file) {
      this.token = BearerToken.fromFile(file);
      return this;
    }

    public RecsysClient build() {
      ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, credentials);
      if (token != null) {
        builder.intercept(token.interceptor());
      }
      if (maxAttempts > 1) {
        builder.enableRetry().defaultServiceConfig(retryConfig(maxAttempts));
      } else {
        builder.disableRetry();
      }
      return new RecsysClient(this, builder.build(), true);
    }

    /** Wraps a channel the caller owns (and closes). */
    public RecsysClient buildOn(ManagedChannel channel) {
      return new RecsysClient(this, channel, false);
    }

    private static Duration positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
      return value;
    }

    /**
     * gRPC service config: retry idempotent calls on UNAVAILABLE only. Besides the reads and
     * Recommend: every admin call (ForgetUser included: a repeat finds nothing and changes
     * nothing), ReportFeedback (a repeat counts once) and DeleteItems (a repeat lists the ids in
     * {@code missing_item_ids}).
     */
    static Map<String, ?> retryConfig(int attempts) {
      Map<String, Object> retryPolicy =
          Map.of(
              "maxAttempts", (double) attempts,
              "initialBackoff", "0.05s",
              "maxBackoff", "1s",
              "backoffMultiplier", 2.0,
              "retryableStatusCodes", List.of("UNAVAILABLE"));
      List<Map<String, String>> idempotent =
          List.of(
              Map.of("service", "recsys.v1.RecommenderService"),
              Map.of("service", "recsys.v1.AdminService"),
              Map.of("service", "recsys.v1.CatalogService", "method", "GetItem"),
              Map.of("service", "recsys.v1.CatalogService", "method", "DeleteItems"),
              Map.of("service", "recsys.v1.FeedbackService", "method", "ReportFeedback"));
      return Map.of("methodConfig", List.of(Map.of("name", idempotent, "retryPolicy", retryPolicy)));
    }
  }
}
