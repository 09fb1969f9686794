package io.recsys.server.catalog;

import java.util.List;

/** Turns item text into content vectors (unit length), so a new item is servable on arrival. */
public interface ItemEmbedder extends AutoCloseable {
  /** Names the model and its preprocessing; cached vectors are valid only for the same id. */
  String modelId();

  int dimension();

  /** One unit-length vector per text, in order. */
  float[][] embed(List<String> texts);

  @Override
  void close();
}
