package io.recsys.server.user;

/**
 * The learned side of every user: posterior settings and the population prior, and the one
 * place a user's posterior is turned into a fit. Serving and learning both go through here, so
 * the list a user is served and the update their reaction makes use the same estimate.
 */
public final class UserPosteriors {
  private final int dimension;
  private final PosteriorSettings settings;
  private final PopulationPrior population;

  public UserPosteriors(int dimension, PosteriorSettings settings) {
    this.dimension = dimension;
    this.settings = settings;
    this.population = new PopulationPrior(dimension, settings.ridge());
  }

  public int dimension() {
    return dimension;
  }

  public PosteriorSettings settings() {
    return settings;
  }

  public PopulationPrior population() {
    return population;
  }

  /** The user's posterior, or an empty one (their fit is then the population's mean). */
  public Posterior posteriorOf(UserState state) {
    Posterior posterior = state.posterior();
    return posterior != null && posterior.dimension() == dimension ? posterior : Posterior.empty(dimension);
  }

  /**
   * The user's estimate, shrunk toward the population prior, with its precision's factor. A
   * posterior that cannot be fitted (not finite: never seen, but a user's learning must not stop
   * serving them) falls back to the prior's fit.
   */
  public Ridge.Fit fit(UserState state) {
    try {
      Ridge.Fit fit = posteriorOf(state).fit(population.mean(), settings.ridge());
      if (finite(fit.mean())) {
        return fit;
      }
    } catch (IllegalArgumentException notPositiveDefinite) {
      // falls through to the prior
    }
    return Posterior.empty(dimension).fit(population.mean(), settings.ridge());
  }

  private static boolean finite(double[] values) {
    for (double value : values) {
      if (!Double.isFinite(value)) {
        return false;
      }
    }
    return true;
  }

  /** The confidence bonus of an item with features {@code z} under {@code fit}. */
  public double bonus(Ridge.Fit fit, double[] z) {
    return settings.ucbAlpha() == 0 ? 0 : settings.ucbAlpha() * Math.sqrt(Ridge.inverseQuadratic(fit.cholesky(), z, dimension));
  }
}
