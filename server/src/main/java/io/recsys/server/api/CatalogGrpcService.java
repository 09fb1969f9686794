package io.recsys.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.JsonlItems;
import io.recsys.server.model.CatalogUpdater;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.DeleteItemsRequest;
import io.recsys.v1.DeleteItemsResponse;
import io.recsys.v1.GetItemRequest;
import io.recsys.v1.GetItemResponse;
import io.recsys.v1.UpsertItemsRequest;
import io.recsys.v1.UpsertItemsResponse;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code recsys.v1.CatalogService}: an upsert stream is validated whole, then applied as one. */
public final class CatalogGrpcService extends CatalogServiceGrpc.CatalogServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(CatalogGrpcService.class);

  private final Catalog catalog;
  private final CatalogUpdater updater;

  public CatalogGrpcService(Catalog catalog, CatalogUpdater updater) {
    this.catalog = catalog;
    this.updater = updater;
  }

  @Override
  public void getItem(GetItemRequest request, StreamObserver<GetItemResponse> observer) {
    GrpcCalls.unary(
        "GetItem",
        observer,
        () -> {
          if (request.getItemId().isEmpty()) {
            throw GrpcCalls.invalid("item_id is empty");
          }
          CatalogItem item =
              catalog
                  .current()
                  .find(request.getItemId())
                  .orElseThrow(
                      () ->
                          Status.NOT_FOUND
                              .withDescription("no item with item_id '" + request.getItemId() + "'")
                              .asRuntimeException());
          return GetItemResponse.newBuilder().setItem(JsonlItems.record(item)).build();
        });
  }

  @Override
  public void deleteItems(DeleteItemsRequest request, StreamObserver<DeleteItemsResponse> observer) {
    GrpcCalls.unary(
        "DeleteItems",
        observer,
        () -> {
          int count = request.getItemIdsCount();
          if (count == 0) {
            throw GrpcCalls.invalid("item_ids is empty");
          }
          if (count > ApiLimits.MAX_DELETED_ITEMS) {
            throw GrpcCalls.invalid("item_ids has " + count + " ids, more than " + ApiLimits.MAX_DELETED_ITEMS + "; split the call");
          }
          for (int i = 0; i < count; i++) {
            String itemId = request.getItemIds(i);
            if (itemId.isEmpty() || itemId.length() > CatalogItem.MAX_ID_LENGTH) {
              throw GrpcCalls.invalid("item_ids[" + i + "] must have 1 to " + CatalogItem.MAX_ID_LENGTH + " characters");
            }
          }
          CatalogUpdater.Deletion deletion;
          try {
            deletion = updater.delete(request.getItemIdsList(), GrpcCalls::failIfExpired);
          } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot log the catalog change durably", e);
          }
          return DeleteItemsResponse.newBuilder()
              .setDeletedCount(deletion.deleted().size())
              .addAllMissingItemIds(deletion.missing())
              .setCatalogVersion(deletion.catalogVersion())
              .build();
        });
  }

  @Override
  public StreamObserver<UpsertItemsRequest> upsertItems(StreamObserver<UpsertItemsResponse> observer) {
    return new StreamObserver<>() {
      private final List<CatalogItem> items = new ArrayList<>();
      private long bytes;
      private boolean failed;

      @Override
      public void onNext(UpsertItemsRequest request) {
        if (failed) {
          return;
        }
        int position = items.size();
        bytes += request.getSerializedSize();
        if (position >= ApiLimits.MAX_UPSERT_ITEMS || bytes > ApiLimits.MAX_UPSERT_BYTES) {
          fail(
              Status.RESOURCE_EXHAUSTED.withDescription(
                  "an UpsertItems call takes at most " + ApiLimits.MAX_UPSERT_ITEMS + " items and "
                      + (ApiLimits.MAX_UPSERT_BYTES >> 20) + " MiB; split the stream"));
          return;
        }
        try {
          CatalogItem item = JsonlItems.read(request.getItem());
          catalog.requireServable(item);
          items.add(item);
        } catch (IllegalArgumentException e) {
          fail(Status.INVALID_ARGUMENT.withDescription("item #" + position + ": " + e.getMessage()));
        }
      }

      private void fail(Status status) {
        failed = true;
        items.clear();
        observer.onError(status.asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        items.clear();
        log.debug("UpsertItems stream aborted by the client: {}", t.toString());
      }

      @Override
      public void onCompleted() {
        if (failed) {
          return;
        }
        GrpcCalls.unary(
            "UpsertItems",
            observer,
            () -> {
              if (items.isEmpty()) {
                throw GrpcCalls.invalid("the stream held no items");
              }
              CatalogUpdater.Outcome outcome;
              try {
                outcome = updater.upsert(items, GrpcCalls::failIfExpired);
              } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot log the catalog change durably", e);
              }
              return UpsertItemsResponse.newBuilder()
                  .setCreatedCount(outcome.created())
                  .setUpdatedCount(outcome.updated())
                  .setCatalogVersion(outcome.catalogVersion())
                  .build();
            });
      }
    };
  }
}
