package io.recsys.server.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server logs (Logback behind SLF4J): text lines, the default, or one JSON object per
 * line for a log collector; a level for every logger, and levels per logger (a package or class).
 * The defaults live in {@code logback.xml}; these settings change them at start, before the
 * first part of the server logs.
 */
record LogSettings(String format, Level rootLevel, Map<String, Level> levels) {
  static final String DEFAULT_FORMAT = "text";
  static final String DEFAULT_LEVEL = "info";
  /** The appender {@code logback.xml} writes to stderr with. */
  private static final String APPENDER = "STDERR";

  /** Parses the flags' values; a bad one throws naming its setting. */
  static LogSettings of(String format, String rootLevel, String levels) {
    if (!"text".equals(format) && !"json".equals(format)) {
      throw new IllegalArgumentException("log-format must be text or json, got '" + format + "'");
    }
    Map<String, Level> perLogger = new LinkedHashMap<>();
    if (levels != null && !levels.isBlank()) {
      for (String entry : levels.split(",")) {
        String[] parts = entry.split("=", 2);
        if (parts.length != 2 || parts[0].isBlank()) {
          throw new IllegalArgumentException("log-levels takes logger=level pairs, got '" + entry.strip() + "'");
        }
        perLogger.put(parts[0].strip(), level("log-levels (" + parts[0].strip() + ")", parts[1]));
      }
    }
    return new LogSettings(format, level("log-level", rootLevel), perLogger);
  }

  private static Level level(String setting, String name) {
    String value = name.strip().toUpperCase(Locale.ROOT);
    Level level = Level.toLevel(value, null);
    if (level == null || level == Level.ALL) {
      throw new IllegalArgumentException(setting + " must be error, warn, info, debug, trace or off, got '" + name.strip() + "'");
    }
    return level;
  }

  /** Applies these settings to the running Logback. */
  void apply() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding (an embedding program's): its configuration rules
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel);
    levels.forEach((name, level) -> context.getLogger(name).setLevel(level));
    if ("json".equals(format) && root.getAppender(APPENDER) instanceof ConsoleAppender<ILoggingEvent> console) {
      Encoder<ILoggingEvent> json = jsonEncoder(context);
      console.stop();
      console.setEncoder(json);
      console.start();
    }
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    // One line says what happened: leave out the context's properties and the MDC, which are empty here.
    encoder.setWithContext(false);
    encoder.setWithMDC(false);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    // The message as a person reads it, not its template and arguments apart.
    encoder.setWithFormattedMessage(true);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.start();
    return encoder;
  }
}
