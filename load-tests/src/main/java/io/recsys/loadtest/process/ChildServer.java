package io.recsys.loadtest.process;

import io.recsys.client.RecsysClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server as a child process of this JVM (same java, same classpath), as an operator runs it:
 * so a benchmark can crash it ({@code kill -9}), stop it (SIGTERM), and time a start from the
 * outside, cold JIT and all.
 */
public final class ChildServer implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("Serving on port (\\d+)");

  private final Process process;
  private final long startedNanos = System.nanoTime();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final CompletableFuture<Long> servingNanos = new CompletableFuture<>();
  private final Thread reader;

  private ChildServer(Process process) {
    this.process = process;
    this.reader = new Thread(this::readLog, "child-server-log");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code serve} with {@code arguments} and a heap of {@code maxHeap} (e.g. "2g"). */
  public static ChildServer start(String maxHeap, List<String> arguments) throws IOException {
    return start(maxHeap, List.of(), arguments);
  }

  /**
   * Starts {@code serve} with {@code arguments}, a heap of {@code maxHeap} and further JVM options
   * (a profiler agent, GC flags) before the main class.
   */
  public static ChildServer start(String maxHeap, List<String> jvmOptions, List<String> arguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.recsys.server.Main");
    command.add("serve");
    command.addAll(arguments);
    return new ChildServer(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  private void readLog() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        log.add(line);
        Matcher serving = SERVING.matcher(line);
        if (serving.find()) {
          servingNanos.complete(System.nanoTime() - startedNanos);
          port.complete(Integer.parseInt(serving.group(1)));
        }
      }
    } catch (IOException e) {
      // The process went away; its exit says how.
    } finally {
      IllegalStateException exited = new IllegalStateException("the server exited before serving; its last lines:\n" + tail(30));
      port.completeExceptionally(exited);
      servingNanos.completeExceptionally(exited);
    }
  }

  /** Waits until the server serves; returns its port. */
  public int awaitServing(long timeoutSeconds) throws Exception {
    try {
      return port.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the server did not serve within " + timeoutSeconds + " s; its last lines:\n" + tail(30), e);
    }
  }

  /** Seconds from the process start to its "Serving on port" line. */
  public double secondsToServe() throws Exception {
    return servingNanos.get() / 1e9;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown of any kind, as a crash. */
  public void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the server survived SIGKILL");
    }
  }

  /** SIGTERM, then the exit code once it is gone (a graceful stop: drain, last snapshot). */
  public int terminate(long timeoutSeconds) throws InterruptedException {
    process.toHandle().destroy(); // not process.destroy(): that also closes our end of the pipe
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the server did not stop within " + timeoutSeconds + " s of SIGTERM");
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /**
   * A client of the server once it serves: every call with a 30 s deadline, none retried (a test
   * or a measurement sees each call's own outcome).
   */
  public RecsysClient client() throws Exception {
    return RecsysClient.builder("localhost:" + awaitServing(1)).deadline(Duration.ofSeconds(30)).maxAttempts(1).build();
  }

  /** The first log line containing {@code text}, if any. */
  public String lineContaining(String text) {
    return log.stream().filter(line -> line.contains(text)).findFirst().orElse(null);
  }

  /** The last log line containing {@code text}, if any. */
  public String lastLineContaining(String text) {
    List<String> all = List.copyOf(log);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).contains(text)) {
        return all.get(i);
      }
    }
    return null;
  }

  public String tail(int lines) {
    List<String> all = List.copyOf(log);
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
