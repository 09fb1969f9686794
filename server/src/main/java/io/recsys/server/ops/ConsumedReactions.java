package io.recsys.server.ops;

import io.recsys.server.user.ReactionType;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The {@code --exclude-consumed} setting: reaction names, comma-separated, or {@code none}. */
final class ConsumedReactions {
  private ConsumedReactions() {}

  static Set<ReactionType> parse(String spec) {
    if (spec == null || spec.isBlank() || spec.strip().equalsIgnoreCase("none")) {
      return Set.of();
    }
    Set<ReactionType> types = EnumSet.noneOf(ReactionType.class);
    for (String name : spec.split(",")) {
      String label = name.strip().toLowerCase(Locale.ROOT);
      ReactionType type =
          Arrays.stream(ReactionType.values())
              .filter(t -> t.label().equals(label))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--exclude-consumed takes reactions among "
                              + Arrays.stream(ReactionType.values()).map(ReactionType::label).collect(Collectors.joining(", "))
                              + ", or none; got '" + name.strip() + "'"));
      types.add(type);
    }
    return types;
  }

  static String spec(Set<ReactionType> types) {
    if (types.isEmpty()) {
      return "none";
    }
    return types.stream().sorted().map(ReactionType::label).collect(Collectors.joining(","));
  }
}
