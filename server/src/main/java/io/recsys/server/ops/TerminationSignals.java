package io.recsys.server.ops;

import sun.misc.Signal;

/**
 * Runs the graceful stop on SIGTERM and SIGINT before the JVM starts its shutdown. A plain
 * shutdown hook is not enough: ONNX Runtime closes its environment in a hook of its own, and
 * hooks run concurrently, so a call still draining would find ONNX Runtime gone.
 */
final class TerminationSignals {
  private TerminationSignals() {}

  /** On the first SIGTERM or SIGINT, runs {@code stop} on its own thread. */
  static void onTermination(Runnable stop) {
    Thread stopper = new Thread(stop, "graceful-shutdown");
    Signal.handle(new Signal("TERM"), signal -> startOnce(stopper));
    Signal.handle(new Signal("INT"), signal -> startOnce(stopper));
  }

  private static synchronized void startOnce(Thread stopper) {
    if (stopper.getState() == Thread.State.NEW) {
      stopper.start();
    }
  }
}
