package io.recsys.client;

import com.google.protobuf.DoubleValue;
import io.recsys.v1.AttributeFilter;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Factories of {@link AttributeFilter}s, the conditions on item attributes a {@link
 * RecommendOptions} list must meet (all of them):
 *
 * <pre>{@code
 * import static io.recsys.client.AttributeFilters.*;
 *
 * client.recommend("user-42", 10, RecommendOptions.builder()
 *     .filter(anyOf("genre", "sf", "fantasy"))
 *     .filter(range("year", 1990, 2010))
 *     .filter(not(equalsTo("language", "de")))
 *     .build());
 * }</pre>
 *
 * <p>Values compare as exact strings; ranges are numeric and inclusive (an item whose value is not
 * a number never matches a range). The server answers INVALID_ARGUMENT for an attribute that no
 * item of the catalog has, so a typo fails loudly instead of matching nothing.
 */
public final class AttributeFilters {
  private AttributeFilters() {}

  /** Items whose {@code attribute} is exactly {@code value}. */
  public static AttributeFilter equalsTo(String attribute, String value) {
    return anyOf(attribute, List.of(requireValue(value)));
  }

  /** Items whose {@code attribute} is one of {@code values} (at least one; at most 1,000). */
  public static AttributeFilter anyOf(String attribute, String... values) {
    return anyOf(attribute, Arrays.asList(values));
  }

  /** Items whose {@code attribute} is one of {@code values} (at least one; at most 1,000). */
  public static AttributeFilter anyOf(String attribute, Collection<String> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("anyOf(" + attribute + ") needs at least one value");
    }
    for (String value : values) {
      requireValue(value);
    }
    return AttributeFilter.newBuilder().setAttribute(requireAttribute(attribute)).addAllAnyOf(values).build();
  }

  /** Items whose {@code attribute} is a number in [{@code min}, {@code max}]. */
  public static AttributeFilter range(String attribute, double min, double max) {
    requireFinite("min", min);
    requireFinite("max", max);
    if (min > max) {
      throw new IllegalArgumentException("range(" + attribute + "): min " + min + " > max " + max);
    }
    return AttributeFilter.newBuilder()
        .setAttribute(requireAttribute(attribute))
        .setMin(DoubleValue.of(min))
        .setMax(DoubleValue.of(max))
        .build();
  }

  /** Items whose {@code attribute} is a number {@code >= min}. */
  public static AttributeFilter atLeast(String attribute, double min) {
    requireFinite("min", min);
    return AttributeFilter.newBuilder().setAttribute(requireAttribute(attribute)).setMin(DoubleValue.of(min)).build();
  }

  /** Items whose {@code attribute} is a number {@code <= max}. */
  public static AttributeFilter atMost(String attribute, double max) {
    requireFinite("max", max);
    return AttributeFilter.newBuilder().setAttribute(requireAttribute(attribute)).setMax(DoubleValue.of(max)).build();
  }

  /**
   * The items {@code filter} does not keep, those without the attribute included; {@code
   * not(not(f))} is {@code f}.
   */
  public static AttributeFilter not(AttributeFilter filter) {
    return filter.toBuilder().setNegate(!filter.getNegate()).build();
  }

  /**
   * A filter from its short text form, as the CLI's {@code --filter} takes it:
   *
   * <ul>
   *   <li>{@code ATTR=VALUE}, or {@code ATTR=V1|V2|...}: the value is one of these;
   *   <li>{@code ATTR!=VALUE[|...]}: it is none of them (or the item lacks the attribute);
   *   <li>{@code ATTR>=NUMBER}, {@code ATTR<=NUMBER}: a numeric bound, inclusive;
   *   <li>{@code ATTR=MIN..MAX}: a numeric range, inclusive, when both ends are numbers.
   * </ul>
   *
   * The attribute ends at the first {@code =} (with the {@code !}, {@code >} or {@code <} right
   * before it); everything after it is the value. Spaces around the attribute are ignored.
   *
   * @throws IllegalArgumentException for text that is none of these forms
   */
  public static AttributeFilter parse(String text) {
    int equals = text.indexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not ATTR=VALUE, ATTR!=VALUE, ATTR>=NUMBER, ATTR<=NUMBER or ATTR=MIN..MAX");
    }
    char operator = equals > 0 ? text.charAt(equals - 1) : '=';
    boolean prefixed = operator == '!' || operator == '>' || operator == '<';
    String attribute = text.substring(0, prefixed ? equals - 1 : equals).strip();
    String value = text.substring(equals + 1);
    if (attribute.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' names no attribute");
    }
    switch (operator) {
      case '>':
        return atLeast(attribute, number(text, value));
      case '<':
        return atMost(attribute, number(text, value));
      case '!':
        return not(anyOf(attribute, values(text, value)));
      default:
        int dots = value.indexOf("..");
        if (dots > 0 && isNumber(value.substring(0, dots)) && isNumber(value.substring(dots + 2))) {
          return range(attribute, number(text, value.substring(0, dots)), number(text, value.substring(dots + 2)));
        }
        return anyOf(attribute, values(text, value));
    }
  }

  /** The filter in the short text form {@link #parse} reads (for messages and logs). */
  public static String describe(AttributeFilter filter) {
    String attribute = filter.getAttribute();
    String negated = filter.getNegate() ? "!" : "";
    if (filter.getAnyOfCount() > 0) {
      return attribute + negated + "=" + String.join("|", filter.getAnyOfList());
    }
    if (filter.hasMin() && filter.hasMax()) {
      return negated + attribute + "=" + number(filter.getMin().getValue()) + ".." + number(filter.getMax().getValue());
    }
    if (filter.hasMin()) {
      return negated + attribute + ">=" + number(filter.getMin().getValue());
    }
    if (filter.hasMax()) {
      return negated + attribute + "<=" + number(filter.getMax().getValue());
    }
    return negated + attribute + " (no condition)";
  }

  private static List<String> values(String text, String value) {
    List<String> values = Arrays.asList(value.split("\\|", -1));
    if (values.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("'" + text + "' has an empty value");
    }
    return values;
  }

  private static boolean isNumber(String value) {
    try {
      return Double.isFinite(Double.parseDouble(value.strip()));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static double number(String text, String value) {
    try {
      double number = Double.parseDouble(value.strip());
      if (Double.isFinite(number)) {
        return number;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException("'" + text + "': '" + value + "' is not a finite number");
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? String.format(Locale.ROOT, "%.0f", value)
        : Double.toString(value);
  }

  private static String requireAttribute(String attribute) {
    if (attribute == null || attribute.isBlank()) {
      throw new IllegalArgumentException("a filter needs an attribute name");
    }
    return attribute;
  }

  private static String requireValue(String value) {
    if (value == null) {
      throw new IllegalArgumentException("a filter value is null");
    }
    return value;
  }

  private static void requireFinite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be a finite number, got " + value);
    }
  }
}
