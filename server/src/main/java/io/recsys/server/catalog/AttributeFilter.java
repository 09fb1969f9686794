package io.recsys.server.catalog;

import java.util.Set;

/**
 * One condition on an item attribute: its value is one of {@code anyOf}, or (with {@code anyOf}
 * empty) a number within {@code [min, max]}; {@code negate} keeps the items that fail it instead,
 * those without the attribute included. Valid by construction: the API checks the request's form
 * before it builds one, and an invalid one here is a bug, so it throws.
 */
public record AttributeFilter(String attribute, Set<String> anyOf, double min, double max, boolean negate) {
  public AttributeFilter {
    anyOf = Set.copyOf(anyOf);
    if (attribute == null || attribute.isEmpty()) {
      throw new IllegalArgumentException("a filter needs an attribute");
    }
    if (anyOf.isEmpty() && (Double.isNaN(min) || Double.isNaN(max) || min > max)) {
      throw new IllegalArgumentException("a range filter needs min <= max, got [" + min + ", " + max + "]");
    }
  }

  /** The item's value is one of {@code values}. */
  public static AttributeFilter anyOf(String attribute, Set<String> values, boolean negate) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("an any-of filter needs values");
    }
    return new AttributeFilter(attribute, values, Double.NaN, Double.NaN, negate);
  }

  /** The item's value is a number within {@code [min, max]} (infinite for an open end). */
  public static AttributeFilter range(String attribute, double min, double max, boolean negate) {
    return new AttributeFilter(attribute, Set.of(), min, max, negate);
  }

  public boolean isRange() {
    return anyOf.isEmpty();
  }

  /** Whether an item whose attribute holds {@code value} (null: it has none) meets the filter. */
  public boolean matches(String value) {
    boolean holds;
    if (value == null) {
      holds = false;
    } else if (isRange()) {
      double number = AttributeIndex.numberOf(value);
      holds = number >= min && number <= max; // NaN (not a number) fails both
    } else {
      holds = anyOf.contains(value);
    }
    return holds != negate;
  }
}
