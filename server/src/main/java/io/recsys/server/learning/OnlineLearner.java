package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.feedback.OnlineUpdates;
import io.recsys.server.user.Posterior;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.Ridge;
import io.recsys.server.user.TasteChange;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The fast learner: every shown item and every reaction moves the user's posterior and the
 * item's parameters at once, before the reaction is acknowledged (on the feedback effects thread).
 *
 * <p>A shown item is an observation of label 0 with the weight of its position's examination
 * probability {@code 1 / log2(position + 2)}: an item ignored at the top says more than one
 * ignored at rank 10, and an item never looked at says nothing. A reaction then completes that
 * same observation to weight 1 with its label (1 for click, like and purchase, the dwell's share
 * for a dwell, 0 for skip and dislike), so a clicked item counts once, as a click. Users' models
 * are of the residual after the item bias; items step by SGD on the user's error. When a user's
 * clicks fall far short of what their model expected ({@link TasteChange}), their taste changed:
 * their state goes back to the prior before the next list is learned from.
 */
public final class OnlineLearner implements OnlineUpdates {
  private final Supplier<CatalogSnapshot> catalog;
  private final UserStateStore users;
  private final UserPosteriors posteriors;
  private final ItemParameters items;
  private final double discount;
  private final double changeThreshold;

  public OnlineLearner(Supplier<CatalogSnapshot> catalog, UserStateStore users, UserPosteriors posteriors, ItemParameters items) {
    if (posteriors.dimension() != items.dimension()) {
      throw new IllegalArgumentException(
          "user posteriors have " + posteriors.dimension() + " dimensions, items " + items.dimension());
    }
    this.catalog = catalog;
    this.users = users;
    this.posteriors = posteriors;
    this.items = items;
    this.discount = posteriors.settings().discount();
    this.changeThreshold = posteriors.settings().changeThreshold();
  }

  /** How likely a user looked at position {@code position} (0 = top): the DCG discount. */
  static double examination(int position) {
    return 1 / (Math.log(position + 2) / Math.log(2));
  }

  @Override
  public void shown(String userId, List<String> itemIds) {
    CatalogSnapshot snapshot = catalog.get();
    UserState state = users.stateOf(userId);
    if (state.tasteChange().changed(changeThreshold)) {
      // What the model was surest of stopped being clicked: start again from the population.
      state = users.update(userId, UserState::forgetTaste);
    }
    TasteChange change = state.tasteChange().floored();
    double[] theta = posteriors.fit(state).mean();
    double[][] z = new double[itemIds.size()][];
    double[] weights = new double[itemIds.size()];
    double[] targets = new double[itemIds.size()];
    int observed = 0;
    for (int position = 0; position < itemIds.size(); position++) {
      int row = snapshot.rowOf(itemIds.get(position));
      if (row < 0) {
        continue; // removed from the catalog since: nothing to learn about it
      }
      double weight = examination(position);
      double[] features = items.features(snapshot, row, new double[items.dimension()]);
      double predicted = Ridge.dot(theta, features) + items.bias(snapshot, row);
      change = change.shown(weight * predicted);
      items.step(snapshot, row, 0 - predicted, weight, theta);
      double residual = 0 - items.bias(snapshot, row);
      posteriors.population().observe(features, weight, weight * residual);
      z[observed] = features;
      weights[observed] = weight;
      targets[observed++] = weight * residual;
    }
    Posterior learned =
        posteriors
            .posteriorOf(state)
            .observeAll(Arrays.copyOf(z, observed), Arrays.copyOf(weights, observed), Arrays.copyOf(targets, observed), discount)
            .withListMean(theta);
    TasteChange window = change;
    users.update(userId, current -> current.withPosterior(learned, window));
  }

  /**
   * Learns from a durable reaction and returns the user's state with it. Runs inside the store's
   * update of this user (one atomic update per reaction, with the content state's); the item step
   * it takes is its only other effect.
   */
  @Override
  public UserState reacted(UserState state, String itemId, int position, ReactionType type, float strength) {
    CatalogSnapshot snapshot = catalog.get();
    int row = snapshot.rowOf(itemId);
    if (row < 0) {
      return state;
    }
    double label = labelOf(type, strength);
    double counted = position >= 0 ? examination(position) : 0;
    Posterior before = posteriors.posteriorOf(state);
    double[] theta = before.listMean() != null ? before.listMean() : posteriors.population().mean();
    double[] z = items.features(snapshot, row, new double[items.dimension()]);
    double predicted = Ridge.dot(theta, z) + items.bias(snapshot, row);
    // As for the user below: undo the "ignored" step the shown item took, then take the label's,
    // so a clicked item counts once, as a click (not as one click and one ignore).
    double error = (label - predicted) - counted * (0 - predicted);
    items.step(snapshot, row, error, 1, theta);
    double bias = items.bias(snapshot, row);
    // Completes the shown item's observation (weight counted, label 0) to weight 1 with this label.
    double target = (label - bias) - counted * (0 - bias);
    posteriors.population().observe(z, 1 - counted, target);
    TasteChange change = position >= 0 && label > 0.5 ? state.tasteChange().clicked(counted * predicted) : state.tasteChange();
    return state.withPosterior(before.observe(z, 1 - counted, target, 1), change);
  }

  /** {@link #reacted(UserState, String, int, ReactionType, float)} as its own update of the user. */
  public void reacted(String userId, String itemId, int position, ReactionType type, float strength) {
    users.update(userId, state -> reacted(state, itemId, position, type, strength));
  }

  static double labelOf(ReactionType type, float strength) {
    return switch (type) {
      case CLICK, LIKE, PURCHASE -> 1;
      case DWELL -> Math.max(0, Math.min(1, strength));
      case SKIP, DISLIKE -> 0;
    };
  }
}
