package io.recsys.server.feedback;

/** What became of one reaction. */
public record FeedbackResult(Status status, String reason) {
  /** Mirrors {@code recsys.v1.FeedbackStatus}. */
  public enum Status {
    ACCEPTED,
    DUPLICATE,
    REJECTED
  }

  static final FeedbackResult ACCEPTED = new FeedbackResult(Status.ACCEPTED, "");
  static final FeedbackResult DUPLICATE = new FeedbackResult(Status.DUPLICATE, "");

  static FeedbackResult rejected(String reason) {
    return new FeedbackResult(Status.REJECTED, reason);
  }
}
