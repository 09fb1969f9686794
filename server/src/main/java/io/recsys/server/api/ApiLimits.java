package io.recsys.server.api;

/** Bounds on request sizes; documented in the .proto files, which are the contract. */
public final class ApiLimits {
  public static final int MAX_USER_ID_LENGTH = 256;
  public static final int MAX_K = 500;
  public static final int MAX_EXCLUDED_ITEMS = 1_000;
  public static final int MAX_BATCH_REQUESTS = 256;
  public static final int MAX_FILTERS = 16;
  public static final int MAX_FILTER_VALUES = 1_000;
  public static final int MAX_DELETED_ITEMS = 10_000;
  public static final int MAX_UPSERT_ITEMS = 100_000;
  public static final long MAX_UPSERT_BYTES = 64L << 20;
  /** Largest single message the server accepts; bigger ones get RESOURCE_EXHAUSTED from gRPC. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 4 << 20;

  private ApiLimits() {}
}
