package io.recsys.server.feedback;

/** The log could not take a record: its queue stayed full, it failed, or it is closed. */
public final class LogUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogUnavailableException(String message) {
    super(message);
  }

  public LogUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
