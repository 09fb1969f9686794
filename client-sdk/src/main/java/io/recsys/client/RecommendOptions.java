package io.recsys.client;

import io.recsys.v1.AttributeFilter;
import io.recsys.v1.RecommendRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * What a Recommend call asks for besides the user and {@code k}: items to leave out, conditions on
 * item attributes (see {@link AttributeFilters}), explanations, and how much variety to trade for
 * score. Immutable; {@link #DEFAULTS} asks for nothing extra.
 *
 * <pre>{@code
 * RecommendOptions options = RecommendOptions.builder()
 *     .exclude("in-cart-1")
 *     .filter(AttributeFilters.equalsTo("genre", "sf"))
 *     .explain(true)
 *     .diversity(0.3)
 *     .build();
 * RecommendResponse top = client.recommend("user-42", 10, options);
 * }</pre>
 *
 * The server checks the values: it answers INVALID_ARGUMENT for more than 1,000 excluded ids,
 * more than 16 filters, a filter on an attribute no item has, or a diversity outside [0, 1].
 */
public final class RecommendOptions {
  /** No exclusions, no filters, no explanations, diversity 0: the list by score alone. */
  public static final RecommendOptions DEFAULTS = builder().build();

  private final List<String> excludedItemIds;
  private final List<AttributeFilter> filters;
  private final boolean explain;
  private final float diversity;

  private RecommendOptions(Builder builder) {
    this.excludedItemIds = List.copyOf(builder.excludedItemIds);
    this.filters = List.copyOf(builder.filters);
    this.explain = builder.explain;
    this.diversity = builder.diversity;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.excludedItemIds.addAll(excludedItemIds);
    builder.filters.addAll(filters);
    builder.explain = explain;
    builder.diversity = diversity;
    return builder;
  }

  public List<String> excludedItemIds() {
    return excludedItemIds;
  }

  public List<AttributeFilter> filters() {
    return filters;
  }

  public boolean explain() {
    return explain;
  }

  public float diversity() {
    return diversity;
  }

  /** The request for {@code userId}'s top {@code k} with these options (for batches and async calls). */
  public RecommendRequest toRequest(String userId, int k) {
    return RecommendRequest.newBuilder()
        .setUserId(userId)
        .setK(k)
        .addAllExcludeItemIds(excludedItemIds)
        .addAllFilters(filters)
        .setExplain(explain)
        .setDiversity(diversity)
        .build();
  }

  @Override
  public String toString() {
    List<String> described = new ArrayList<>();
    for (AttributeFilter filter : filters) {
      described.add(AttributeFilters.describe(filter));
    }
    return "RecommendOptions{exclude=" + excludedItemIds + ", filters=" + described + ", explain=" + explain
        + ", diversity=" + diversity + "}";
  }

  /** Collects options; each method adds to (exclude, filter) or replaces (explain, diversity) what is set. */
  public static final class Builder {
    private final List<String> excludedItemIds = new ArrayList<>();
    private final List<AttributeFilter> filters = new ArrayList<>();
    private boolean explain;
    private float diversity;

    private Builder() {}

    /** Items that must not appear in the list (at most 1,000 in all; unknown ids are ignored). */
    public Builder exclude(String... itemIds) {
      return exclude(Arrays.asList(itemIds));
    }

    /** Items that must not appear in the list (at most 1,000 in all; unknown ids are ignored). */
    public Builder exclude(Collection<String> itemIds) {
      excludedItemIds.addAll(itemIds);
      return this;
    }

    /** Conditions every item of the list meets (a logical AND of all filters added; at most 16). */
    public Builder filter(AttributeFilter... conditions) {
      return filters(Arrays.asList(conditions));
    }

    /** Conditions every item of the list meets (a logical AND of all filters added; at most 16). */
    public Builder filters(Collection<AttributeFilter> conditions) {
      filters.addAll(conditions);
      return this;
    }

    /** Give every item an {@code explanation} of why it is in the list. */
    public Builder explain(boolean value) {
      this.explain = value;
      return this;
    }

    /**
     * How much to trade score for variety, in [0, 1]: 0 (the default) ranks by score alone, 1 puts
     * after the first item the candidates least like those above them.
     */
    public Builder diversity(double value) {
      this.diversity = (float) value;
      return this;
    }

    public RecommendOptions build() {
      return new RecommendOptions(this);
    }
  }
}
