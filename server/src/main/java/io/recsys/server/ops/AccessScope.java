package io.recsys.server.ops;

import java.util.Locale;

/**
 * What a bearer token may do. Reads (Recommend, GetItem), health and reflection need none: a
 * load balancer or a read-only caller can reach them without a secret.
 */
public enum AccessScope {
  /** Send reactions (FeedbackService). */
  FEEDBACK,
  /** Change the catalog (CatalogService/UpsertItems, DeleteItems). */
  CATALOG,
  /** Operate the server (AdminService: status, versions, pin, pause, forget and export a user). */
  ADMIN;

  /** The scope a method needs, or null for one anyone may call. */
  static AccessScope requiredBy(String fullMethodName) {
    String service = fullMethodName.substring(0, Math.max(0, fullMethodName.indexOf('/')));
    switch (service) {
      case "recsys.v1.FeedbackService":
        return FEEDBACK;
      case "recsys.v1.AdminService":
        return ADMIN;
      case "recsys.v1.CatalogService":
        return fullMethodName.endsWith("/UpsertItems") || fullMethodName.endsWith("/DeleteItems") ? CATALOG : null;
      default:
        return null;
    }
  }

  static AccessScope parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown scope '" + name.trim() + "' (feedback, catalog, admin or *)", e);
    }
  }
}
