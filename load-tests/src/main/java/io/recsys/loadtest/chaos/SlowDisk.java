package io.recsys.loadtest.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A slow disk for one process: strace attaches to it and delays every fsync and fdatasync it
 * makes by a fixed time before the call runs (strace's syscall fault injection), until detached.
 * The server's own code runs unchanged, on its real files; only its durable writes take longer,
 * as on a disk with a deep queue or a failing drive.
 */
final class SlowDisk implements AutoCloseable {
  private final Process strace;

  private SlowDisk(Process strace) {
    this.strace = strace;
  }

  /** Why this machine cannot slow a process's fsyncs, or null if it can. */
  static String unavailableBecause() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, "strace"))) {
        return null;
      }
    }
    return "strace is not installed (apt-get install strace)";
  }

  /** Every fsync of {@code pid} (all its threads) waits {@code delayMillis} first, from now on. */
  static SlowDisk attach(long pid, int delayMillis) throws IOException, InterruptedException {
    long micros = delayMillis * 1_000L;
    Process strace =
        new ProcessBuilder(List.of(
                "strace", "-f", "-qq", "-p", String.valueOf(pid), "-e", "trace=fsync,fdatasync",
                "-e", "inject=fsync:delay_enter=" + micros, "-e", "inject=fdatasync:delay_enter=" + micros, "-o", "/dev/null"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Thread.sleep(300); // attaching to every thread takes a moment
    if (!strace.isAlive()) {
      throw new IOException("strace could not attach to " + pid + " (exit " + strace.exitValue() + ")");
    }
    return new SlowDisk(strace);
  }

  /** Detaches: fsyncs are as fast as the disk again. */
  @Override
  public void close() throws InterruptedException {
    strace.destroy(); // SIGTERM: strace detaches cleanly and the process goes on
    if (!strace.waitFor(10, TimeUnit.SECONDS)) {
      strace.destroyForcibly();
    }
  }
}
