package io.recsys.server.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real server as a child JVM ({@code Main serve ...}), with its log captured. */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("Serving on port (\\d+)");

  private final Process process;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  private ServerProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::readLog, "server-log");
    reader.setDaemon(true);
    reader.start();
  }

  public static ServerProcess start(String... serveArguments) throws IOException {
    return startWithHeap("1g", serveArguments);
  }

  /** @param maxHeap the child's -Xmx, e.g. "256m" */
  public static ServerProcess startWithHeap(String maxHeap, String... serveArguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.recsys.server.Main");
    command.add("serve");
    command.addAll(List.of(serveArguments));
    return new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  private void readLog() {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        log.add(line);
        Matcher serving = SERVING.matcher(line);
        if (serving.find()) {
          port.complete(Integer.parseInt(serving.group(1)));
        }
      }
    } catch (IOException e) {
      // The process went away; waitFor reports how.
    } finally {
      port.completeExceptionally(new IllegalStateException("server exited before serving:\n" + String.join("\n", log)));
    }
  }

  /** Waits until the server serves and returns its port. */
  public int awaitServing() throws Exception {
    return port.get(120, TimeUnit.SECONDS);
  }

  /** SIGTERM, then the exit code once the process is gone. */
  public int terminate() throws InterruptedException {
    // Not process.destroy(): it also closes our end of the pipe, and the shutdown log is lost.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not stop within 60 s of SIGTERM");
    }
    reader.join(10_000); // the last log lines may still be in the pipe
    return process.exitValue();
  }

  /** SIGKILL: no shutdown of any kind, like a crash. */
  public void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("server survived SIGKILL");
    }
  }

  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not exit");
    }
    reader.join(10_000);
    return process.exitValue();
  }

  public List<String> log() {
    return List.copyOf(log);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
