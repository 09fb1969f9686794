package io.recsys.loadtest.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** The k highest-scoring indices, best first. */
final class TopItems {
  private TopItems() {}

  static List<Integer> of(double[] scores, int k) {
    PriorityQueue<Integer> heap = new PriorityQueue<>(k + 1, (a, b) -> Double.compare(scores[a], scores[b]));
    for (int i = 0; i < scores.length; i++) {
      if (heap.size() < k) {
        heap.add(i);
      } else if (scores[i] > scores[heap.peek()]) {
        heap.poll();
        heap.add(i);
      }
    }
    List<Integer> top = new ArrayList<>(heap);
    top.sort((a, b) -> Double.compare(scores[b], scores[a]));
    return top;
  }
}
