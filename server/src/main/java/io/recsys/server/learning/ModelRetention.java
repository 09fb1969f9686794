package io.recsys.server.learning;

import io.recsys.server.model.ModelVersionInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Which stored model versions to forget, so the models directory and {@code ListModelVersions}
 * stay bounded however long the trainer runs: every version but the newest {@code kept} ones is
 * forgotten, except the baseline ({@code v1}, which has no weights and is what serves when nothing
 * else can) and every version that is live (a pinned version is live). Rejected candidates count
 * like the rest: they are most of what an idle trainer makes.
 */
public final class ModelRetention {
  /** Learned versions kept by default besides the baseline and the live one. */
  public static final int DEFAULT_KEPT = 20;

  private final int kept;

  public ModelRetention(int kept) {
    if (kept < 1) {
      throw new IllegalArgumentException("model-versions-kept must be at least 1, got " + kept);
    }
    this.kept = kept;
  }

  public int kept() {
    return kept;
  }

  /** The versions of {@code oldestFirst} to forget, oldest first. */
  public List<String> toForget(List<ModelVersionInfo> oldestFirst) {
    List<String> forgettable = new ArrayList<>();
    for (ModelVersionInfo info : oldestFirst) {
      if (!info.version().equals(BASELINE) && info.state() != ModelVersionInfo.State.LIVE) {
        forgettable.add(info.version());
      }
    }
    int excess = forgettable.size() - kept;
    return excess <= 0 ? List.of() : List.copyOf(forgettable.subList(0, excess));
  }

  private static final String BASELINE = "v1";
}
