package io.recsys.loadtest.simulator;

import io.recsys.v1.FeedbackType;
import java.util.List;

/** Something that shows users lists and may learn from what they did. */
public interface Policy extends AutoCloseable {
  String name();

  /** One list of {@code k} distinct item ids per user, in order. */
  List<List<String>> recommend(List<Integer> users, int k, long time);

  /** What each user did with each shown item ({@code reactions[u][position]}, null for nothing). */
  void observe(List<Integer> users, List<List<String>> lists, FeedbackType[][] reactions);

  @Override
  default void close() {}
}
