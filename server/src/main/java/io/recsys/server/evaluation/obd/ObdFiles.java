package io.recsys.server.evaluation.obd;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads the Open Bandit Dataset's CSV files (Saito et al. 2020, CC BY 4.0): the logged feedback
 * ({@code item_id, position, click, propensity_score, ...}) and the item context ({@code
 * item_id, item_feature_*}). A malformed row fails the read with its file and line.
 */
public final class ObdFiles {
  private ObdFiles() {}

  /** Number of items in an item-context file; ids must be 0 to n-1, each once. */
  public static int itemCount(Path itemContext) throws IOException {
    try (Reader reader = Files.newBufferedReader(itemContext, StandardCharsets.UTF_8);
        CSVParser parser = parser(reader)) {
      requireColumns(parser, itemContext, "item_id");
      List<Integer> ids = new ArrayList<>();
      for (CSVRecord row : parser) {
        long line = parser.getCurrentLineNumber();
        ids.add(integer(row, "item_id", 0, Integer.MAX_VALUE, itemContext, line));
      }
      for (int expected = 0; expected < ids.size(); expected++) {
        if (!ids.contains(expected)) {
          throw new ObdFormatException(itemContext.toString(), 0, "item ids must run from 0 to " + (ids.size() - 1) + "; " + expected + " is missing");
        }
      }
      return ids.size();
    }
  }

  /** The logged rounds; item ids must be below {@code items}. */
  public static List<ObdRound> readLog(Path log, int items) throws IOException {
    try (Reader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8);
        CSVParser parser = parser(reader)) {
      requireColumns(parser, log, "item_id", "position", "click", "propensity_score");
      List<ObdRound> rounds = new ArrayList<>();
      for (CSVRecord row : parser) {
        long line = parser.getCurrentLineNumber();
        if (!row.isConsistent()) {
          throw new ObdFormatException(log.toString(), line, "expected " + parser.getHeaderNames().size() + " columns, found " + row.size());
        }
        int item = integer(row, "item_id", 0, items - 1, log, line);
        int position = integer(row, "position", 1, 3, log, line);
        int click = integer(row, "click", 0, 1, log, line);
        double propensity = number(row, "propensity_score", log, line);
        if (!(propensity > 0 && propensity <= 1)) {
          throw new ObdFormatException(log.toString(), line, "propensity_score must be in (0, 1], got " + propensity);
        }
        rounds.add(new ObdRound(item, position, click == 1, propensity));
      }
      if (rounds.isEmpty()) {
        throw new ObdFormatException(log.toString(), 1, "no logged rounds");
      }
      return rounds;
    }
  }

  private static CSVParser parser(Reader reader) throws IOException {
    return CSVParser.parse(reader, CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setAllowMissingColumnNames(true).get());
  }

  private static void requireColumns(CSVParser parser, Path file, String... columns) {
    for (String column : columns) {
      if (!parser.getHeaderNames().contains(column)) {
        throw new ObdFormatException(file.toString(), 1, "missing column " + column);
      }
    }
  }

  private static int integer(CSVRecord row, String column, int min, int max, Path file, long line) {
    String text = row.get(column).strip();
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ObdFormatException(file.toString(), line, column + " is not an integer: '" + text + "'");
    }
    if (value < min || value > max) {
      throw new ObdFormatException(file.toString(), line, column + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  private static double number(CSVRecord row, String column, Path file, long line) {
    String text = row.get(column).strip();
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new ObdFormatException(file.toString(), line, column + " is not a number: '" + text + "'");
    }
  }
}
