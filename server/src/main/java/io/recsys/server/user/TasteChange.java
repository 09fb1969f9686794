package io.recsys.server.user;

/**
 * Whether a user's taste has just changed, by Page's CUSUM test on their own reactions: for every
 * shown item, the log-likelihood ratio of "the user clicks at a fifth of the rate their model
 * predicts" against "at the rate it predicts", summed and floored at zero before each list. A
 * model that is right keeps the sum near zero (at a threshold of 6, measured: 0.5
 * false alarms a 1,000 lists of ten at a predicted 0.3; but 77 for a model twice too hopeful, the
 * price of firing within about three lists of a drop to 0.02); when the items it is surest of
 * stop being clicked the evidence climbs by about 0.3 an ignored item, and past the threshold the
 * user's learned state goes back to the population prior at once instead of being unlearned one
 * observation at a time. Immutable.
 *
 * @param evidence the CUSUM statistic, in nats
 */
public record TasteChange(double evidence) {
  public static final TasteChange NONE = new TasteChange(0);

  /** The drop the test looks for: clicks at this share of the predicted rate. */
  static final double DROP = 0.2;

  /**
   * A shown item the model expected to be clicked with {@code probability} (its position's
   * examination included), counted as ignored until a reaction says otherwise.
   */
  public TasteChange shown(double probability) {
    return new TasteChange(evidence + ignored(clamp(probability)));
  }

  /** A click on a shown item expected with {@code probability}: replaces its "ignored" term. */
  public TasteChange clicked(double probability) {
    double p = clamp(probability);
    return new TasteChange(evidence + Math.log(DROP) - ignored(p));
  }

  /** The floor of Page's test, applied once a list, when its reactions had their chance. */
  public TasteChange floored() {
    return evidence < 0 ? NONE : this;
  }

  /** Whether the evidence for a change passed {@code threshold} nats; a threshold of 0 never fires. */
  public boolean changed(double threshold) {
    return threshold > 0 && evidence > threshold;
  }

  private static double ignored(double p) {
    return Math.log((1 - DROP * p) / (1 - p));
  }

  private static double clamp(double p) {
    return Math.max(1e-4, Math.min(0.99, p));
  }
}
