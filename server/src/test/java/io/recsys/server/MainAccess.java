package io.recsys.server;

import picocli.CommandLine;

/** Tests in other packages run the real command line, error handling included. */
public final class MainAccess {
  private MainAccess() {}

  public static CommandLine commandLine() {
    return Main.commandLine();
  }
}
