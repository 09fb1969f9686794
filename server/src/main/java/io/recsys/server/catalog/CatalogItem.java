package io.recsys.server.catalog;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One recommendable item. Immutable; validated on construction, so an instance is always servable.
 *
 * @param id unique id, 1 to {@value #MAX_ID_LENGTH} characters
 * @param title short name; with {@code text} it is what the language model embeds
 * @param text longer description
 * @param attributes free-form attributes; {@value #POPULARITY} seeds the cold-start prior
 * @param embedding the item's own content vector (vector catalogs), or empty (text catalogs)
 * @param unavailable kept in the catalog but out of every list (out of stock, say)
 */
public record CatalogItem(
    String id, String title, String text, Map<String, String> attributes, float[] embedding, boolean unavailable) {
  public static final int MAX_ID_LENGTH = 256;
  public static final int MAX_TITLE_LENGTH = 1_000;
  public static final int MAX_TEXT_LENGTH = 10_000;
  public static final int MAX_ATTRIBUTES = 64;
  public static final int MAX_ATTRIBUTE_LENGTH = 1_000;
  public static final String POPULARITY = "popularity";
  public static final int MAX_EMBEDDING_DIMENSION = 4_096;

  private static final float[] NO_EMBEDDING = new float[0];

  /** An item of a text catalog: the server embeds its title and text. */
  public CatalogItem(String id, String title, String text, Map<String, String> attributes) {
    this(id, title, text, attributes, NO_EMBEDDING);
  }

  /** A servable item. */
  public CatalogItem(String id, String title, String text, Map<String, String> attributes, float[] embedding) {
    this(id, title, text, attributes, embedding, false);
  }

  public CatalogItem {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("item_id is empty");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("item_id is longer than " + MAX_ID_LENGTH + " characters");
    }
    title = title == null ? "" : title.strip();
    text = text == null ? "" : text.strip();
    if (title.isEmpty() && text.isEmpty()) {
      throw new IllegalArgumentException("item '" + id + "' has neither title nor text");
    }
    if (title.length() > MAX_TITLE_LENGTH) {
      throw new IllegalArgumentException(
          "item '" + id + "': title is longer than " + MAX_TITLE_LENGTH + " characters");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "item '" + id + "': text is longer than " + MAX_TEXT_LENGTH + " characters");
    }
    attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw new IllegalArgumentException(
          "item '" + id + "' has more than " + MAX_ATTRIBUTES + " attributes");
    }
    for (Map.Entry<String, String> attribute : attributes.entrySet()) {
      if (attribute.getKey().length() + attribute.getValue().length() > MAX_ATTRIBUTE_LENGTH) {
        throw new IllegalArgumentException(
            "item '" + id + "': attribute '" + attribute.getKey() + "' is longer than "
                + MAX_ATTRIBUTE_LENGTH + " characters");
      }
    }
    String popularity = attributes.get(POPULARITY);
    if (popularity != null && !popularity.isEmpty() && parsePopularity(popularity).isEmpty()) {
      throw new IllegalArgumentException(
          "item '" + id + "': attribute popularity must be a non-negative number, got '"
              + popularity + "'");
    }
    embedding = embedding == null || embedding.length == 0 ? NO_EMBEDDING : embedding.clone();
    if (embedding.length > MAX_EMBEDDING_DIMENSION) {
      throw new IllegalArgumentException(
          "item '" + id + "': embedding has more than " + MAX_EMBEDDING_DIMENSION + " values");
    }
    for (int i = 0; i < embedding.length; i++) {
      if (!Float.isFinite(embedding[i])) {
        throw new IllegalArgumentException("item '" + id + "': embedding[" + i + "] is not finite");
      }
    }
  }

  /** A copy of the item's own content vector; empty on a text catalog. */
  @Override
  public float[] embedding() {
    return embedding.clone();
  }

  public boolean hasEmbedding() {
    return embedding.length > 0;
  }

  /** Length of the item's own content vector; 0 on a text catalog. */
  public int embeddingDimension() {
    return embedding.length;
  }

  /** The text the language model embeds: title and description together. */
  public String embeddingText() {
    if (text.isEmpty()) {
      return title;
    }
    return title.isEmpty() ? text : title + " " + text;
  }

  /** The {@value #POPULARITY} attribute, when present. */
  public OptionalDouble popularity() {
    String value = attributes.get(POPULARITY);
    return value == null ? OptionalDouble.empty() : parsePopularity(value);
  }

  private static OptionalDouble parsePopularity(String value) {
    try {
      double parsed = Double.parseDouble(value.strip());
      return parsed >= 0 && Double.isFinite(parsed) ? OptionalDouble.of(parsed) : OptionalDouble.empty();
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  // Records compare arrays by reference; an item is a value, vector included.
  @Override
  public boolean equals(Object other) {
    return other instanceof CatalogItem that
        && id.equals(that.id)
        && title.equals(that.title)
        && text.equals(that.text)
        && attributes.equals(that.attributes)
        && Arrays.equals(embedding, that.embedding)
        && unavailable == that.unavailable;
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hash(id, title, text, attributes, unavailable) + Arrays.hashCode(embedding);
  }

  @Override
  public String toString() {
    return "CatalogItem[id=" + id + ", title=" + title + ", embedding=" + embedding.length + "-d]";
  }
}
