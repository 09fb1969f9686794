package io.recsys.server.catalog;

/** A catalog file that cannot be read; the message names the file and line. */
public final class CatalogFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CatalogFormatException(String source, long line, String problem) {
    super(source + ":" + line + ": " + problem);
  }
}
