package io.recsys.server.user;

import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.storage.snapshot.PopulationEntry;
import io.recsys.server.storage.snapshot.PosteriorEntry;
import io.recsys.server.storage.snapshot.ReactionEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import io.recsys.server.storage.snapshot.UserEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** The user side of a snapshot: every cached user's state, and the population prior. */
public final class UserSnapshots {
  private UserSnapshots() {}

  /**
   * Every user in {@code users}. Capturing copies references only (states are immutable), so it
   * holds the effects thread for a moment even with a million users.
   */
  public static SnapshotPart states(UserStateStore users) {
    return new SnapshotPart() {
      @Override
      public Saved capture() {
        List<Map.Entry<String, UserState>> captured = new ArrayList<>((int) Math.min(users.size() + 16, Integer.MAX_VALUE));
        users.forEach((id, state) -> captured.add(Map.entry(id, state)));
        return out -> captured.forEach(user -> out.accept(SnapshotEntry.newBuilder().setUser(entryOf(user.getKey(), user.getValue())).build()));
      }

      @Override
      public boolean restore(SnapshotEntry entry) {
        if (!entry.hasUser()) {
          return false;
        }
        UserEntry user = entry.getUser();
        if (user.getVectorCount() == users.dimension()) {
          users.put(user.getUserId(), stateOf(user));
        }
        return true;
      }
    };
  }

  /** The population prior every posterior is shrunk toward. */
  public static SnapshotPart population(PopulationPrior prior) {
    return new SnapshotPart() {
      @Override
      public Saved capture() {
        PopulationEntry saved = prior.save();
        return out -> out.accept(SnapshotEntry.newBuilder().setPopulation(saved).build());
      }

      @Override
      public boolean restore(SnapshotEntry entry) {
        if (!entry.hasPopulation()) {
          return false;
        }
        prior.restore(entry.getPopulation());
        return true;
      }
    };
  }

  static UserEntry entryOf(String userId, UserState state) {
    UserEntry.Builder entry = UserEntry.newBuilder().setUserId(userId).addAllDisliked(state.disliked());
    for (float value : state.vectorView()) {
      entry.addVector(value);
    }
    entry.setTasteChangeEvidence(state.tasteChange().evidence());
    state.reactions().forEach((itemId, type) -> entry.addReactions(ReactionEntry.newBuilder().setItemId(itemId).setType(type.number())));
    Posterior posterior = state.posterior();
    if (posterior != null) {
      PosteriorEntry.Builder saved = PosteriorEntry.newBuilder().setDimension(posterior.dimension());
      for (double value : posterior.packedGram()) {
        saved.addPackedGram(value);
      }
      for (double value : posterior.moments()) {
        saved.addMoments(value);
      }
      if (posterior.listMean() != null) {
        for (double value : posterior.listMean()) {
          saved.addListMean(value);
        }
      }
      entry.setPosterior(saved);
    }
    return entry.build();
  }

  static UserState stateOf(UserEntry entry) {
    float[] vector = new float[entry.getVectorCount()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = entry.getVector(i);
    }
    Posterior posterior = null;
    if (entry.hasPosterior()) {
      PosteriorEntry saved = entry.getPosterior();
      double[] gram = new double[saved.getPackedGramCount()];
      for (int i = 0; i < gram.length; i++) {
        gram[i] = saved.getPackedGram(i);
      }
      double[] moments = new double[saved.getMomentsCount()];
      for (int i = 0; i < moments.length; i++) {
        moments[i] = saved.getMoments(i);
      }
      double[] listMean = null;
      if (saved.getListMeanCount() > 0) {
        listMean = new double[saved.getListMeanCount()];
        for (int i = 0; i < listMean.length; i++) {
          listMean[i] = saved.getListMean(i);
        }
      }
      posterior = Posterior.restore(saved.getDimension(), gram, moments, listMean);
    }
    Map<String, ReactionType> reactions = new LinkedHashMap<>();
    for (ReactionEntry reaction : entry.getReactionsList()) {
      ReactionType type = ReactionType.fromNumber(reaction.getType());
      if (type != null) {
        reactions.put(reaction.getItemId(), type);
      }
    }
    return new UserState(
        vector, new LinkedHashSet<>(entry.getDislikedList()), posterior, new TasteChange(entry.getTasteChangeEvidence()), reactions);
  }
}
