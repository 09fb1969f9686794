package io.recsys.server.model;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Time spent inside ONNX Runtime per stage, across every session and version of it (versions come
 * and go with hot swaps; the totals do not reset). Sums and counts, so a scraper gets the mean of
 * any window from two readings; {@link LongAdder}s, so the scoring threads never contend on them.
 */
public final class OnnxTimings {
  /** The graphs the server runs. */
  public enum Stage {
    RETRIEVAL,
    QNETWORK,
    EMBEDDER
  }

  private record Totals(LongAdder runs, LongAdder nanos) {}

  private final Map<Stage, Totals> totals = new EnumMap<>(Stage.class);

  OnnxTimings() {
    for (Stage stage : Stage.values()) {
      totals.put(stage, new Totals(new LongAdder(), new LongAdder()));
    }
  }

  /** Records one run that started at {@code startNanos} (a {@link System#nanoTime()} reading). */
  void record(Stage stage, long startNanos) {
    Totals t = totals.get(stage);
    t.runs().increment();
    t.nanos().add(System.nanoTime() - startNanos);
  }

  public long runs(Stage stage) {
    return totals.get(stage).runs().sum();
  }

  public double seconds(Stage stage) {
    return totals.get(stage).nanos().sum() / 1e9;
  }
}
