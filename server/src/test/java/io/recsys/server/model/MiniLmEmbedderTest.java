package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MiniLmEmbedderTest {
  private static MiniLmEmbedder embedder;

  @BeforeAll
  static void load() {
    embedder = MiniLmEmbedder.load(new OnnxRuntime(OnnxRuntime.Device.CPU, 2));
  }

  @AfterAll
  static void close() {
    embedder.close();
  }

  @Test
  void nearDuplicateTitlesEmbedCloserThanUnrelatedOnes() {
    float[][] v =
        embedder.embed(
            List.of(
                "Harry Potter and the Sorcerer's Stone by J.K. Rowling",
                "Harry Potter and the Philosopher's Stone by J.K. Rowling",
                "A Brief History of Time by Stephen Hawking",
                "The Very Hungry Caterpillar by Eric Carle"));

    double duplicate = cosine(v[0], v[1]);
    assertThat(duplicate).isGreaterThan(0.9);
    assertThat(duplicate).isGreaterThan(cosine(v[0], v[2]) + 0.3);
    assertThat(duplicate).isGreaterThan(cosine(v[0], v[3]) + 0.3);
  }

  @Test
  void vectorsHaveUnitLengthAndTheModelsDimension() {
    float[][] v = embedder.embed(List.of("Dune by Frank Herbert", "x"));

    assertThat(v).hasNumberOfRows(2);
    for (float[] vector : v) {
      assertThat(vector).hasSize(384);
      assertThat(cosine(vector, vector)).isCloseTo(1.0, within(1e-5));
      assertThat(norm(vector)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void paddingInABatchDoesNotChangeAVector() {
    String shortText = "Emma";
    String longText = "Pride and Prejudice, a novel of manners by Jane Austen, first published in 1813";

    float[] alone = embedder.embed(List.of(shortText))[0];
    float[] batched = embedder.embed(List.of(longText, shortText))[1];

    for (int d = 0; d < alone.length; d++) {
      assertThat(batched[d]).isCloseTo(alone[d], within(1e-4f));
    }
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot / (norm(a) * norm(b));
  }

  private static double norm(float[] a) {
    double sum = 0;
    for (float x : a) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }
}
