package io.recsys.server.ops;

import java.time.Duration;

/**
 * The checks a setting passes before it is taken; each refusal names the setting and the value,
 * as a configuration file or a flag would spell the name.
 */
final class SettingChecks {
  private SettingChecks() {}

  static <T> T present(String setting, T value) {
    if (value == null) {
      throw new IllegalArgumentException(setting + " must be set");
    }
    return value;
  }

  static int inRange(String setting, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(setting + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  static int atLeast(String setting, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(setting + " must be >= " + min + ", got " + value);
    }
    return value;
  }

  static long atLeast(String setting, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(setting + " must be >= " + min + ", got " + value);
    }
    return value;
  }

  static float finiteAtLeastZero(String setting, float value) {
    if (!(value >= 0) || Float.isInfinite(value)) {
      throw new IllegalArgumentException(setting + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  static Duration notNegative(String setting, Duration value) {
    present(setting, value);
    if (value.isNegative()) {
      throw new IllegalArgumentException(setting + " must not be negative, got " + describe(value));
    }
    return value;
  }

  static Duration positive(String setting, Duration value) {
    present(setting, value);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be positive, got " + describe(value));
    }
    return value;
  }

  static Duration inRange(String setting, Duration value, Duration min, Duration max) {
    present(setting, value);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          setting + " must be in [" + describe(min) + ", " + describe(max) + "], got " + describe(value));
    }
    return value;
  }

  /** A duration as people write it: 300 s, 20 ms, 150 us. */
  private static String describe(Duration value) {
    long micros = value.toNanos() / 1_000;
    if (micros % 1_000_000 == 0) {
      return micros / 1_000_000 + " s";
    }
    if (micros % 1_000 == 0) {
      return micros / 1_000 + " ms";
    }
    return micros + " us";
  }
}
