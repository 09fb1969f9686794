package io.recsys.loadtest.restart;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The shape of a benchmark's pre-written feedback log, shared by the benches that start a server
 * on one: how many users and items, how many candidates a list logs; lists of 10 over a 64-d
 * vector catalog, a record a millisecond.
 */
public final class LogShape {
  public static final int DIMENSION = 64;
  public static final int K = 10;
  public static final Duration RECORD_GAP = Duration.ofMillis(1);

  @Option(names = "--users", description = "Distinct users in the log (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
  public int users;

  @Option(names = "--items", description = "Catalog size, 64-d vectors (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
  public int items;

  @Option(names = "--candidates", description = "Retrieval candidates logged with each list (default: ${DEFAULT-VALUE}, the server's default).", defaultValue = "100")
  public int candidates;

  /** Writes the catalog the records name, as {@code serve --catalog} reads it. */
  public void writeCatalog(Path file) throws IOException {
    LogWriter.writeVectorCatalog(file, items, DIMENSION);
  }

  /** A writer whose first record is {@code records} record gaps before now, so the last is about now. */
  public LogWriter writerEndingNow(long records) {
    long start = System.currentTimeMillis() * 1_000 - records * RECORD_GAP.toNanos() / 1_000;
    return new LogWriter(items, users, K, candidates, DIMENSION, RECORD_GAP, start, 42);
  }
}
