package io.recsys.loadtest.process;

import java.io.IOException;
import java.net.ServerSocket;

/** Ports for the servers and brokers a benchmark starts. */
public final class Ports {
  private Ports() {}

  /** A port that was free a moment ago (the OS picks it; another process may still take it). */
  public static int free() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
