package io.recsys.server.model;

/**
 * What serves one request: the retrieval session over the current catalog, the Q-network that
 * re-ranks its candidates (none before the first learned version), and the version name every
 * response carries. A request leases the whole pair, so a swap of either part never reaches into
 * a running call. Each part is reference-counted on its own because consecutive serving models
 * share the part that did not change.
 */
public final class ServingModel {
  private final RetrievalModel retrieval;
  private final QNetworkModel ranker;
  private final ModelVersionInfo version;
  private final RefCount references = new RefCount("serving model");

  /** Takes over one reference to each part from the caller. */
  ServingModel(RetrievalModel retrieval, QNetworkModel ranker, ModelVersionInfo version) {
    this.retrieval = retrieval;
    this.ranker = ranker;
    this.version = version;
  }

  public RetrievalModel retrieval() {
    return retrieval;
  }

  /** The Q-network re-ranker, or null while the content baseline serves alone. */
  public QNetworkModel ranker() {
    return ranker;
  }

  public ModelVersionInfo version() {
    return version;
  }

  boolean tryAcquire() {
    return references.tryAcquire();
  }

  /** Gives a reference back; the last one releases the parts. */
  void release() {
    if (references.release()) {
      retrieval.release();
      if (ranker != null) {
        ranker.release();
      }
    }
  }

  boolean isReleased() {
    return references.isZero();
  }

  /** A hold on a serving model for the length of one call. */
  public static final class Lease implements AutoCloseable {
    private final ServingModel model;
    private boolean released;

    Lease(ServingModel model) {
      this.model = model;
    }

    public ServingModel model() {
      return model;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        model.release();
      }
    }
  }
}
