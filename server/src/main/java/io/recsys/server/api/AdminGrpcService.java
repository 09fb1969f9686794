package io.recsys.server.api;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.LogUnavailableException;
import io.recsys.server.feedback.UserErasure;
import io.recsys.server.feedback.UserExport;
import io.recsys.v1.ExportUserRequest;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.ForgetUserRequest;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.server.feedback.ReplayBuffer;
import io.grpc.Status;
import io.recsys.v1.PinModelVersionRequest;
import io.recsys.v1.PinModelVersionResponse;
import io.recsys.v1.SetTrainingPausedRequest;
import io.recsys.v1.SetTrainingPausedResponse;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.user.UserStateStore;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.GetStatusRequest;
import io.recsys.v1.GetStatusResponse;
import io.recsys.v1.ListModelVersionsRequest;
import io.recsys.v1.ListModelVersionsResponse;
import io.recsys.v1.ModelVersion;
import io.recsys.v1.ModelVersionState;
import java.time.Instant;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * {@code recsys.v1.AdminService}: status, model versions, rollback, pausing the trainer,
 * forgetting and exporting a user.
 */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private final ModelRegistry models;
  private final Catalog catalog;
  private final UserStateStore users;
  private final FeedbackProcessor feedback;
  private final ReplayBuffer replayBuffer;
  private final TrainingControl training;
  private final Instant startedAt;
  private final UserErasure erasure;
  private final UserExport export;

  private final DoubleSupplier meanBatchSize;
  private final LongSupplier malformedRequests;

  public AdminGrpcService(
      ModelRegistry models,
      Catalog catalog,
      UserStateStore users,
      FeedbackProcessor feedback,
      ReplayBuffer replayBuffer,
      TrainingControl training,
      DoubleSupplier meanBatchSize,
      LongSupplier malformedRequests,
      Instant startedAt,
      UserErasure erasure,
      UserExport export) {
    this.erasure = erasure;
    this.export = export;
    this.meanBatchSize = meanBatchSize;
    this.malformedRequests = malformedRequests;
    this.models = models;
    this.catalog = catalog;
    this.users = users;
    this.feedback = feedback;
    this.replayBuffer = replayBuffer;
    this.training = training;
    this.startedAt = startedAt;
  }

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> observer) {
    GrpcCalls.unary(
        "GetStatus",
        observer,
        () -> {
          CatalogSnapshot snapshot = catalog.current();
          return GetStatusResponse.newBuilder()
              .setModelVersion(models.liveVersion())
              .setFeedbackEventsDurable(feedback.durableFeedbackEvents())
              .setReplayBufferSize(replayBuffer.size())
              .setTrainerSteps(training.trainerSteps())
              .setTrainerDivergences(training.trainerDivergences())
              .setTrainingPaused(training.isPaused())
              .setCatalogSize(snapshot.size())
              .setCatalogVersion(snapshot.version())
              .setCachedUsers(users.size())
              .setStartedAt(timestamp(startedAt))
              .setImpressionsClosedEarly(feedback.closedEarly())
              .setRecommendMeanBatchSize(meanBatchSize.getAsDouble())
              .setRequestsMalformed(malformedRequests.getAsLong())
              .build();
        });
  }

  @Override
  public void listModelVersions(
      ListModelVersionsRequest request, StreamObserver<ListModelVersionsResponse> observer) {
    GrpcCalls.unary(
        "ListModelVersions",
        observer,
        () -> {
          ListModelVersionsResponse.Builder response = ListModelVersionsResponse.newBuilder();
          for (ModelVersionInfo version : models.versions()) {
            response.addVersions(
                ModelVersion.newBuilder()
                    .setVersion(version.version())
                    .setState(toProto(version.state()))
                    .setCreatedAt(timestamp(version.createdAt()))
                    .setDescription(version.description()));
          }
          return response.build();
        });
  }

  @Override
  public void pinModelVersion(PinModelVersionRequest request, StreamObserver<PinModelVersionResponse> observer) {
    GrpcCalls.unary(
        "PinModelVersion",
        observer,
        () -> {
          if (request.getVersion().isEmpty()) {
            throw GrpcCalls.invalid("version is empty");
          }
          try {
            return PinModelVersionResponse.newBuilder()
                .setModelVersion(training.pin(request.getVersion()).version())
                .build();
          } catch (java.util.NoSuchElementException e) {
            throw Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
          } catch (IllegalStateException | UnsupportedOperationException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
          } catch (java.io.IOException e) {
            throw Status.INTERNAL.withDescription("could not record the pin: " + e.getMessage()).asRuntimeException();
          }
        });
  }

  @Override
  public void setTrainingPaused(
      SetTrainingPausedRequest request, StreamObserver<SetTrainingPausedResponse> observer) {
    GrpcCalls.unary(
        "SetTrainingPaused",
        observer,
        () -> {
          try {
            training.setPaused(request.getPaused());
          } catch (UnsupportedOperationException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
          } catch (java.io.IOException e) {
            throw Status.INTERNAL.withDescription("could not record the pause durably: " + e.getMessage()).withCause(e).asRuntimeException();
          }
          return SetTrainingPausedResponse.newBuilder()
              .setPaused(training.isPaused())
              .setTrainerSteps(training.trainerSteps())
              .build();
        });
  }

  @Override
  public void forgetUser(ForgetUserRequest request, StreamObserver<ForgetUserResponse> observer) {
    GrpcCalls.unary(
        "ForgetUser",
        observer,
        () -> {
          String userId = GrpcCalls.checkedUserId("", request.getUserId());
          UserErasure.Result result;
          try {
            result = erasure.forget(userId);
          } catch (UnsupportedOperationException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
          } catch (LogUnavailableException e) {
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
          } catch (java.util.concurrent.TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("the erasure did not finish in time; repeat it").asRuntimeException();
          } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.CompletionException e) {
            // The feedback loop is shutting down under the erasure.
            throw Status.UNAVAILABLE.withDescription("the server is stopping (" + e.getMessage() + "); repeat the erasure").asRuntimeException();
          } catch (java.io.IOException e) {
            throw Status.UNAVAILABLE.withDescription("the erasure could not write (" + e.getMessage() + "); repeat it: it is idempotent").asRuntimeException();
          } catch (Exception e) {
            throw Status.INTERNAL.withDescription("the erasure failed (" + e + "); repeat it: it is idempotent").withCause(e).asRuntimeException();
          }
          FeedbackProcessor.Forgotten forgotten = result.forgotten();
          return ForgetUserResponse.newBuilder()
              .setFound(result.found())
              .setLogRecordsRemoved(forgotten.logRecords())
              .setTransitionsRemoved(forgotten.transitions())
              .setForgottenAt(timestamp(result.at()))
              .setAuditId(result.auditId())
              .build();
        });
  }

  @Override
  public void exportUser(ExportUserRequest request, StreamObserver<ExportUserResponse> observer) {
    GrpcCalls.unary(
        "ExportUser",
        observer,
        () -> {
          String userId = GrpcCalls.checkedUserId("", request.getUserId());
          UserExport.Exported exported;
          try {
            exported = export.export(userId);
          } catch (UnsupportedOperationException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
          } catch (java.io.IOException e) {
            throw Status.INTERNAL.withDescription("could not read the feedback log: " + e.getMessage()).withCause(e).asRuntimeException();
          }
          return UserExports.toProto(exported);
        });
  }

  private static ModelVersionState toProto(ModelVersionInfo.State state) {
    return switch (state) {
      case LIVE -> ModelVersionState.MODEL_VERSION_STATE_LIVE;
      case RETIRED -> ModelVersionState.MODEL_VERSION_STATE_RETIRED;
      case REJECTED -> ModelVersionState.MODEL_VERSION_STATE_REJECTED;
    };
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
