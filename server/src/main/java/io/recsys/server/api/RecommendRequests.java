package io.recsys.server.api;

import io.recsys.server.catalog.AttributeFilter;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.policy.RecommendQuery;
import io.recsys.v1.RecommendRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Checks a RecommendRequest against {@link ApiLimits} and the catalog (a filter's attribute must
 * be one some item has) and turns it into a query.
 */
final class RecommendRequests {
  private RecommendRequests() {}

  /**
   * @param where prefix for the message, e.g. "requests[3]." in a batch
   * @param catalog the catalog version the filters' attributes are checked against
   */
  static RecommendQuery toQuery(RecommendRequest request, String where, CatalogSnapshot catalog) {
    String userId = GrpcCalls.checkedUserId(where, request.getUserId());
    int k = request.getK();
    if (k < 1 || k > ApiLimits.MAX_K) {
      throw GrpcCalls.invalid(where + "k must be in [1, " + ApiLimits.MAX_K + "], got " + k);
    }
    int excluded = request.getExcludeItemIdsCount();
    if (excluded > ApiLimits.MAX_EXCLUDED_ITEMS) {
      throw GrpcCalls.invalid(
          where + "exclude_item_ids has " + excluded + " ids, more than "
              + ApiLimits.MAX_EXCLUDED_ITEMS);
    }
    float diversity = request.getDiversity();
    if (!(diversity >= 0 && diversity <= 1)) {
      throw GrpcCalls.invalid(where + "diversity must be in [0, 1], got " + diversity);
    }
    return new RecommendQuery(
        userId, k, new HashSet<>(request.getExcludeItemIdsList()), filtersOf(request, where, catalog), diversity, request.getExplain());
  }

  private static List<AttributeFilter> filtersOf(RecommendRequest request, String where, CatalogSnapshot catalog) {
    int count = request.getFiltersCount();
    if (count > ApiLimits.MAX_FILTERS) {
      throw GrpcCalls.invalid(where + "filters has " + count + " entries, more than " + ApiLimits.MAX_FILTERS);
    }
    List<AttributeFilter> filters = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      filters.add(filterOf(request.getFilters(i), where + "filters[" + i + "]", catalog));
    }
    return filters;
  }

  private static AttributeFilter filterOf(io.recsys.v1.AttributeFilter filter, String where, CatalogSnapshot catalog) {
    String attribute = filter.getAttribute();
    if (attribute.isEmpty()) {
      throw GrpcCalls.invalid(where + ".attribute is empty");
    }
    boolean range = filter.hasMin() || filter.hasMax();
    int values = filter.getAnyOfCount();
    if (range == (values > 0)) {
      throw GrpcCalls.invalid(
          where + " (attribute '" + attribute + "') must give either any_of or a range (min and/or max), "
              + (range ? "not both" : "got neither"));
    }
    if (values > ApiLimits.MAX_FILTER_VALUES) {
      throw GrpcCalls.invalid(where + ".any_of has " + values + " values, more than " + ApiLimits.MAX_FILTER_VALUES);
    }
    double min = filter.hasMin() ? filter.getMin().getValue() : Double.NEGATIVE_INFINITY;
    double max = filter.hasMax() ? filter.getMax().getValue() : Double.POSITIVE_INFINITY;
    if (filter.hasMin() && !Double.isFinite(min) || filter.hasMax() && !Double.isFinite(max)) {
      throw GrpcCalls.invalid(where + " (attribute '" + attribute + "'): min and max must be finite numbers, got [" + min + ", " + max + "]");
    }
    if (min > max) {
      throw GrpcCalls.invalid(where + " (attribute '" + attribute + "'): min " + min + " is above max " + max);
    }
    if (!catalog.attributes().knows(attribute)) {
      throw GrpcCalls.invalid(
          where + ".attribute '" + attribute + "' is on no item of catalog v" + catalog.version() + " (attribute names are case-sensitive)");
    }
    return range
        ? AttributeFilter.range(attribute, min, max, filter.getNegate())
        : AttributeFilter.anyOf(attribute, new HashSet<>(filter.getAnyOfList()), filter.getNegate());
  }
}
