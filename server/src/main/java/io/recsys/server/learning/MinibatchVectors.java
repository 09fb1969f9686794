package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.StateCodec;
import io.recsys.server.feedback.log.QuantizedVector;
import java.util.HashMap;
import java.util.Map;

/**
 * The distinct states and catalog items of one minibatch, each decoded once into a double row
 * that both networks project: transitions of one impression share its state, a next state often
 * equals the state, and candidates repeat. Reused from one minibatch to the next.
 */
final class MinibatchVectors {
  private final double[][] vectors;
  private final Map<QuantizedVector, Integer> states = new HashMap<>();
  private final Map<Integer, Integer> items = new HashMap<>();
  private int count;

  MinibatchVectors(int dimension, int capacity) {
    this.vectors = new double[capacity][dimension];
  }

  void clear() {
    states.clear();
    items.clear();
    count = 0;
  }

  /** The index of {@code state} among this minibatch's vectors. */
  int state(QuantizedVector state) {
    Integer index = states.get(state);
    if (index == null) {
      index = count++;
      StateCodec.decode(state, vectors[index]);
      states.put(state, index);
    }
    return index;
  }

  /** The index of the item in catalog {@code row} among this minibatch's vectors. */
  int item(CatalogSnapshot snapshot, int row) {
    Integer index = items.get(row);
    if (index == null) {
      index = count++;
      double[] vector = vectors[index];
      Matrices.widen(snapshot.embeddingMatrix(), row * vector.length, vector);
      items.put(row, index);
    }
    return index;
  }

  double[] get(int index) {
    return vectors[index];
  }
}
