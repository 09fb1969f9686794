package io.recsys.server.evaluation.obd;

/** An Open Bandit Dataset file that cannot be read; the message names the file and line. */
public final class ObdFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ObdFormatException(String file, long line, String problem) {
    super(file + ":" + line + ": " + problem);
  }
}
