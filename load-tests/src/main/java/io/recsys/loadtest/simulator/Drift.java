package io.recsys.loadtest.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A scheduled change of every user's taste: {@code abrupt@X} swaps it at impression X; {@code
 * gradual@Y} blends old into new over {@code span} impressions starting at Y.
 */
public record Drift(Kind kind, long at, long span) {
  public enum Kind {
    ABRUPT,
    GRADUAL
  }

  /** Parses {@code "abrupt@50000,gradual@75000"}; gradual drifts last {@code gradualSpan}. */
  public static List<Drift> parse(String spec, long gradualSpan) {
    List<Drift> drifts = new ArrayList<>();
    if (spec == null || spec.isBlank()) {
      return drifts;
    }
    for (String part : spec.split(",")) {
      String[] kindAndTime = part.strip().split("@");
      if (kindAndTime.length != 2) {
        throw new IllegalArgumentException("--drift entries look like abrupt@50000, got '" + part + "'");
      }
      Kind kind;
      try {
        kind = Kind.valueOf(kindAndTime[0].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--drift kind must be abrupt or gradual, got '" + kindAndTime[0] + "'");
      }
      long at = Long.parseLong(kindAndTime[1].strip());
      drifts.add(new Drift(kind, at, kind == Kind.ABRUPT ? 0 : gradualSpan));
    }
    drifts.sort(java.util.Comparator.comparingLong(Drift::at));
    return drifts;
  }

  public String label() {
    return kind.name().toLowerCase(Locale.ROOT) + "@" + at;
  }
}
