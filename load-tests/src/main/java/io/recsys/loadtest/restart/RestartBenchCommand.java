package io.recsys.loadtest.restart;

import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.process.ChildServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How long a restart takes after millions of feedback log records, timed from outside (process
 * start to "Serving on port") with the server as a child process:
 *
 * <ol>
 *   <li>the log's whole history, no snapshot yet (as before snapshots existed);
 *   <li>a crash just before the next snapshot was due: the newest snapshot plus the records
 *       since (the worst case a {@code kill -9} leaves);
 *   <li>after a graceful stop, which snapshots everything.
 * </ol>
 */
@Command(name = "restart-bench", mixinStandardHelpOptions = true, description = "Restart time after millions of feedback events: whole log vs snapshot + tail vs graceful.")
public final class RestartBenchCommand implements Callable<Integer> {
  @Option(names = "--events", description = "Log records before the first start (default: ${DEFAULT-VALUE}).", defaultValue = "10000000")
  long events;

  @Option(
      names = "--tail",
      description = "Records written after the snapshot, before the crash restart; just under --snapshot-every-records is the worst case (default: ${DEFAULT-VALUE}).",
      defaultValue = "99999")
  long tail;

  @Option(names = "--snapshot-every-records", description = "The server's setting (default: ${DEFAULT-VALUE}, the server's default).", defaultValue = "100000")
  long snapshotEveryRecords;

  @Mixin LogShape shape = new LogShape();

  @Option(names = "--heap", description = "The server's -Xmx (default: ${DEFAULT-VALUE}).", defaultValue = "6g")
  String heap;

  @Option(names = "--dir", description = "Where the data dir goes (default: a new temp dir).")
  Path dir;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("recsys-restart-");
    Path catalog = root.resolve("catalog.csv");
    shape.writeCatalog(catalog);
    Path data = root.resolve("data");
    List<String> serve =
        List.of("--port", "0", "--data-dir", data.toString(), "--catalog", catalog.toString(), "--metrics-port", "-1",
            "--snapshot-every-records", String.valueOf(snapshotEveryRecords));
    LogWriter writer = shape.writerEndingNow(events + tail);

    long written = System.nanoTime();
    writer.append(data.resolve("feedback-log"), events);
    System.out.printf(Locale.ROOT, "Wrote %,d log records (%,d MiB) in %.1f s%n", events, bytesUnder(data.resolve("feedback-log")) >> 20, (System.nanoTime() - written) / 1e9);

    Run whole;
    try (ChildServer server = ChildServer.start(heap, serve)) {
      whole = Run.of("whole log, no snapshot", events, server);
      awaitSnapshot(server);
      String line = server.lineContaining("Snapshot at log record");
      System.out.println("The first snapshot, written while serving: " + line.substring(line.indexOf("Snapshot at")));
      server.terminate(600);
    }
    long snapshotBytes = newestSnapshotBytes(data);
    writer.append(data.resolve("feedback-log"), tail);
    Run crash;
    Run graceful;
    try (ChildServer server = ChildServer.start(heap, serve)) {
      crash = Run.of("snapshot + " + String.format(Locale.ROOT, "%,d", tail) + " records (kill -9 before the next snapshot)", tail, server);
      server.terminate(600); // graceful: the last snapshot holds everything
    }
    try (ChildServer server = ChildServer.start(heap, serve)) {
      graceful = Run.of("snapshot after a graceful stop", 0, server);
      server.terminate(600);
    }

    System.out.printf(Locale.ROOT, "%nRestart after %,d feedback log records (%,d users, %,d x %d catalog, %d candidates a list); snapshot %,d MiB%n",
        events, shape.users, shape.items, LogShape.DIMENSION, shape.candidates, snapshotBytes >> 20);
    System.out.printf(Locale.ROOT, "%-62s %14s %12s%n", "start", "records after", "to serve, s");
    for (Run run : List.of(whole, crash, graceful)) {
      System.out.printf(Locale.ROOT, "%-62s %,14d %12.1f%n", run.name(), run.recordsAfter(), run.seconds());
    }
    for (Run run : List.of(whole, crash, graceful)) {
      System.out.println("  " + run.name() + ": " + run.detail());
    }
    if (json != null) {
      new JsonReport()
          .put("events", events)
          .put("tail", tail)
          .put("users", shape.users)
          .put("snapshot_mib", snapshotBytes >> 20)
          .put("whole_log_seconds", whole.seconds())
          .put("snapshot_plus_tail_seconds", crash.seconds())
          .put("graceful_seconds", graceful.seconds())
          .writeTo(json);
    }
    return 0;
  }

  /** One timed start, with the server's own line on what it restored and replayed. */
  private record Run(String name, long recordsAfter, double seconds, String detail) {
    static Run of(String name, long recordsAfter, ChildServer server) throws Exception {
      server.awaitServing(3_600);
      String line = server.lineContaining("Feedback state:");
      String detail = line == null ? "" : line.substring(line.indexOf("Feedback state:"));
      return new Run(name, recordsAfter, server.secondsToServe(), detail);
    }
  }

  private static void awaitSnapshot(ChildServer server) throws Exception {
    for (int i = 0; i < 1_200; i++) {
      if (server.lineContaining("Snapshot at log record") != null) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("no snapshot within 10 minutes of serving; last lines:\n" + server.tail(20));
  }

  private static long newestSnapshotBytes(Path data) throws Exception {
    try (Stream<Path> files = Files.list(data.resolve("snapshots"))) {
      return files.filter(f -> f.toString().endsWith(".snap")).sorted().reduce((a, b) -> b).map(f -> f.toFile().length()).orElse(0L);
    }
  }

  private static long bytesUnder(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
