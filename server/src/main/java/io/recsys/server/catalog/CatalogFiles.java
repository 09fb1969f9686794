package io.recsys.server.catalog;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.recsys.v1.Item;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Reads catalog files. Two formats, chosen by extension:
 *
 * <ul>
 *   <li>{@code .csv}: a header row with {@code item_id}, {@code title} and optionally {@code text}
 *       and {@code embedding} (space-separated numbers); every other column becomes an attribute
 *       (empty cells are left out).
 *   <li>{@code .jsonl} / {@code .ndjson}: one {@code recsys.v1.Item} per line in protobuf JSON,
 *       for example {@code {"item_id":"b1","title":"Dune","attributes":{"popularity":"120"}}}.
 * </ul>
 *
 * Either every item carries an embedding of one dimension (a vector catalog) or none does (a text
 * catalog). A malformed row fails the whole file with its line number; a catalog is never half
 * loaded.
 */
public final class CatalogFiles {
  /** The goodbooks-10k books (CC BY-SA 4.0), served when no catalog file is given. */
  public static final String EMBEDDED_DEFAULT = "/catalog/goodbooks-10k.csv";

  private static final String ID_COLUMN = "item_id";
  private static final String TITLE_COLUMN = "title";
  private static final String TEXT_COLUMN = "text";
  private static final String EMBEDDING_COLUMN = "embedding";

  private CatalogFiles() {}

  public static List<CatalogItem> read(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      if (name.endsWith(".csv")) {
        return readCsv(reader, file.toString());
      }
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
        return readJsonLines(new BufferedReader(reader), file.toString());
      }
    }
    throw new IllegalArgumentException(
        "catalog file must end in .csv, .jsonl or .ndjson: " + file);
  }

  public static List<CatalogItem> readEmbeddedDefault() {
    try (InputStream in = CatalogFiles.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + EMBEDDED_DEFAULT);
      }
      return readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "embedded goodbooks-10k");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<CatalogItem> readCsv(Reader reader, String source) throws IOException {
    CSVFormat format =
        CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
            .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW).get();
    try (CSVParser parser = parseHeader(reader, format, source)) {
      List<String> header = parser.getHeaderNames();
      if (!header.contains(ID_COLUMN) || !header.contains(TITLE_COLUMN)) {
        throw new CatalogFormatException(
            source, 1, "header must name the columns item_id and title, found " + header);
      }
      Uniqueness unique = new Uniqueness(source);
      List<CatalogItem> items = new ArrayList<>();
      for (CSVRecord record : parser) {
        long line = parser.getCurrentLineNumber();
        if (record.size() != header.size()) {
          throw new CatalogFormatException(
              source, line, "expected " + header.size() + " columns, found " + record.size());
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        for (String column : header) {
          String value = record.get(column);
          if (!column.equals(ID_COLUMN) && !column.equals(TITLE_COLUMN) && !column.equals(TEXT_COLUMN)
              && !column.equals(EMBEDDING_COLUMN) && !value.isEmpty()) {
            attributes.put(column, value);
          }
        }
        String text = header.contains(TEXT_COLUMN) ? record.get(TEXT_COLUMN) : "";
        String embedding = header.contains(EMBEDDING_COLUMN) ? record.get(EMBEDDING_COLUMN) : "";
        items.add(unique.check(line, () -> new CatalogItem(
            record.get(ID_COLUMN), record.get(TITLE_COLUMN), text, attributes, parseEmbedding(embedding))));
      }
      return items;
    } catch (java.io.UncheckedIOException e) {
      throw new CatalogFormatException(source, 0, "not valid CSV: " + e.getCause().getMessage());
    }
  }

  /**
   * Commons CSV refuses a header with an empty or repeated name by IllegalArgumentException, and
   * bad quoting in it by CSVException: format errors of line 1, not failures of the reader.
   */
  private static CSVParser parseHeader(Reader reader, CSVFormat format, String source) throws IOException {
    try {
      return CSVParser.parse(reader, format);
    } catch (IllegalArgumentException | CSVException e) {
      throw new CatalogFormatException(source, 1, "bad header: " + e.getMessage());
    }
  }

  static List<CatalogItem> readJsonLines(BufferedReader reader, String source) throws IOException {
    JsonFormat.Parser parser = JsonFormat.parser();
    Uniqueness unique = new Uniqueness(source);
    List<CatalogItem> items = new ArrayList<>();
    long line = 0;
    for (String row = reader.readLine(); row != null; row = reader.readLine()) {
      line++;
      if (row.isBlank()) {
        continue;
      }
      Item.Builder item = Item.newBuilder();
      try {
        parser.merge(row, item);
      } catch (InvalidProtocolBufferException e) {
        throw new CatalogFormatException(source, line, "not a recsys.v1.Item: " + e.getMessage());
      }
      items.add(unique.check(line, () -> JsonlItems.read(item.build())));
    }
    return items;
  }

  private static float[] parseEmbedding(String cell) {
    if (cell.isBlank()) {
      return new float[0];
    }
    String[] values = cell.strip().split("\\s+");
    float[] embedding = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      try {
        embedding[i] = Float.parseFloat(values[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("embedding value #" + (i + 1) + " is not a number: '" + values[i] + "'");
      }
    }
    return embedding;
  }

  /**
   * Turns item validation errors, duplicate ids and an embedding that differs in kind from the
   * first item's into errors that name the line.
   */
  private static final class Uniqueness {
    private final String source;
    private final Map<String, Long> lineById = new HashMap<>();
    private int firstDimension = -1;

    Uniqueness(String source) {
      this.source = source;
    }

    CatalogItem check(long line, java.util.function.Supplier<CatalogItem> parse) {
      CatalogItem item;
      try {
        item = parse.get();
      } catch (IllegalArgumentException e) {
        throw new CatalogFormatException(source, line, e.getMessage());
      }
      if (firstDimension < 0) {
        firstDimension = item.embeddingDimension();
      } else if (item.embeddingDimension() != firstDimension) {
        throw new CatalogFormatException(
            source, line, "item '" + item.id() + "' has an embedding of " + item.embeddingDimension()
                + " values, the first item one of " + firstDimension
                + " (all items carry embeddings of one dimension, or none does)");
      }
      Long previous = lineById.putIfAbsent(item.id(), line);
      if (previous != null) {
        throw new CatalogFormatException(
            source, line, "item_id '" + item.id() + "' already used on line " + previous);
      }
      return item;
    }
  }
}
