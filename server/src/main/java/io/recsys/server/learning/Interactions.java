package io.recsys.server.learning;

import io.recsys.server.feedback.LogRecords;
import io.recsys.server.feedback.Reaction;
import io.recsys.server.feedback.SegmentedFeedbackLog;
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

/** Interaction logs for supervised training: a CSV, or the server's own feedback log. */
public final class Interactions {
  private Interactions() {}

  /**
   * {@code user_id,item_id,label[,timestamp]} with a header; label 1 (positive) or 0. A malformed
   * row fails the read with its line.
   */
  public static List<Interaction> readCsv(Path file) throws IOException {
    List<Interaction> interactions = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(reader, CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get())) {
      for (String column : List.of("user_id", "item_id", "label")) {
        if (!parser.getHeaderNames().contains(column)) {
          throw new IllegalArgumentException(file + ":1: missing column " + column);
        }
      }
      boolean timed = parser.getHeaderNames().contains("timestamp");
      for (CSVRecord row : parser) {
        long line = parser.getCurrentLineNumber();
        try {
          int label = Integer.parseInt(row.get("label"));
          if (label != 0 && label != 1) {
            throw new NumberFormatException("label must be 0 or 1");
          }
          String user = row.get("user_id");
          String item = row.get("item_id");
          if (user.isEmpty() || item.isEmpty()) {
            throw new IllegalArgumentException("user_id and item_id must not be empty");
          }
          interactions.add(new Interaction(user, item, label, timed ? Long.parseLong(row.get("timestamp")) : line));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + ":" + line + ": " + e.getMessage(), e);
        }
      }
    }
    return interactions;
  }

  /**
   * The server's feedback log: click, like, purchase and dwell of at least 15 s are positives;
   * dislike and skip negatives. Reads without locking, beside a running server.
   *
   * @param log a data dir's {@code feedback-log} folder
   */
  public static List<Interaction> fromFeedbackLog(Path log) throws IOException {
    if (!Files.isDirectory(log)) {
      throw new IllegalArgumentException("no feedback log in " + log.getParent().toAbsolutePath());
    }
    List<Interaction> interactions = new ArrayList<>();
    SegmentedFeedbackLog.readAll(log, record -> {
      if (!record.hasFeedback()) {
        return;
      }
      Reaction reaction = LogRecords.reactionOf(record.getFeedback());
      int label = reaction.type() == null ? -1 : switch (reaction.type()) {
        case CLICK, LIKE, PURCHASE -> 1;
        case DWELL -> reaction.dwellSeconds() >= 15 ? 1 : -1;
        case DISLIKE, SKIP -> 0;
      };
      if (label >= 0) {
        interactions.add(new Interaction(reaction.userId(), reaction.itemId(), label, record.getServerTimeMicros()));
      }
    });
    return interactions;
  }
}
