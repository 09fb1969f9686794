package io.recsys.loadtest.chaos;

import io.recsys.loadtest.JsonReport;
import io.recsys.loadtest.process.ChildServer;
import io.recsys.loadtest.process.Ports;
import io.recsys.v1.FeedbackEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the server as a child process under steady Recommend and feedback traffic and injects
 * faults, cycle after cycle. After each it checks from outside that the server serves again
 * within a bound and that every event acknowledged so far is still known (sending it again is
 * answered DUPLICATE); after the run it reads the stopped server's log: every acknowledged event
 * there exactly once. Prints, per fault: cycles, acknowledged events, lost, duplicated, recovery
 * time p50/p99 (from the fault to a successful Recommend and an accepted event on the recovered
 * server). Exits 1 if anything was lost or duplicated, a recovery took too long, or Recommend
 * failed while the disk was full or slow.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, description = "Faults under load: every acknowledged event kept exactly once, recovery times.")
public final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--cycles", description = "Cycles of each fault (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int cycles;

  @Option(names = "--faults", split = ",", description = "Faults to inject (default: all): kill9, sigterm, disk-full, slow-disk, client-vanishes.")
  List<String> faults;

  @Option(names = "--lists-per-second", description = "Recommend calls a second, each followed by three reactions (default: ${DEFAULT-VALUE}).", defaultValue = "40")
  int listsPerSecond;

  @Option(names = "--fault-seconds", description = "How long a full or slow disk lasts (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  double faultSeconds;

  @Option(names = "--fsync-delay-ms", description = "Delay of each fsync on the slow disk (default: ${DEFAULT-VALUE}).", defaultValue = "200")
  int fsyncDelayMillis;

  @Option(names = "--recovery-bound-seconds", description = "Serving again (a Recommend and an accepted event) within this of a fault (default: ${DEFAULT-VALUE}).", defaultValue = "60")
  int recoveryBoundSeconds;

  @Option(names = "--disk-mb", description = "Size of the data dir's own filesystem (default: ${DEFAULT-VALUE}).", defaultValue = "512")
  int diskMegabytes;

  @Option(names = "--snapshot-every-records", description = "The server's setting, small so restarts come from snapshots (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
  long snapshotEveryRecords;

  @Option(names = "--seed", description = "Seed of the fault timing and the traffic (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @Option(names = "--require-all-faults", description = "Fail instead of skipping a fault this machine cannot make (no root, no strace).")
  boolean requireAllFaults;

  @Option(names = "--json", description = "Also write the result as JSON to this file.")
  Path json;

  /** One fault's cycles: what was acknowledged in them, what was lost, how long recovery took. */
  static final class FaultStats {
    final List<Double> recoverySeconds = new ArrayList<>();
    int cycles;
    long acked;
    long lost;
    long duplicated;
    long recommendFailuresDuringFault;
    long acceptedDuringFault;
    int recoveriesOverBound;
    String skipped;
  }

  /** The result of a run, for the table and for tests. */
  public record Result(Map<String, FaultStats> byFault, long acked, long lost, long duplicated, long durableWithoutAck, boolean passed) {}

  @Override
  public Integer call() throws Exception {
    Result result = run();
    return result.passed() ? 0 : 1;
  }

  /** The whole run; public for the test that runs a short one. */
  public Result run() throws Exception {
    Path root = Files.createTempDirectory("recsys-chaos-");
    List<Fault> wanted = faults == null || faults.isEmpty() ? List.of(Fault.values()) : faults.stream().map(Fault::parse).toList();
    Map<Fault, FaultStats> stats = new EnumMap<>(Fault.class);
    List<Fault> runnable = new ArrayList<>();
    for (Fault fault : wanted) {
      FaultStats s = new FaultStats();
      s.skipped = unavailableBecause(fault);
      stats.put(fault, s);
      if (s.skipped == null) {
        runnable.add(fault);
      } else if (requireAllFaults) {
        throw new IllegalStateException("cannot inject " + fault.label() + ": " + s.skipped);
      } else {
        System.out.println("Skipping " + fault.label() + ": " + s.skipped);
      }
    }
    boolean needsDisk = runnable.contains(Fault.DISK_FULL);
    SmallDisk disk = needsDisk ? SmallDisk.mount(root.resolve("disk"), diskMegabytes) : null;
    try {
      Path data = (disk != null ? disk.path() : root).resolve("data");
      Path catalog = writeCatalog(root.resolve("catalog.csv"));
      int port = Ports.free();
      List<String> serve =
          List.of("--port", String.valueOf(port), "--data-dir", data.toString(), "--catalog", catalog.toString(), "--metrics-port", "-1",
              "--snapshot-every-records", String.valueOf(snapshotEveryRecords));
      String target = "localhost:" + port;
      SplittableRandom random = new SplittableRandom(seed);
      Map<String, Fault> faultOfEvent = new HashMap<>();
      Set<String> verified = new HashSet<>();
      ChildServer server = startServing(serve);
      Workload workload = new Workload(target, 200, listsPerSecond, seed).start();
      Duration bound = Duration.ofSeconds(recoveryBoundSeconds);
      try {
        if (workload.awaitServingSince(0, bound) < 0) {
          throw new IllegalStateException("no traffic got through before the first fault; server log:\n" + server.tail(30));
        }
        for (int cycle = 0; cycle < cycles; cycle++) {
          for (Fault fault : runnable) {
            FaultStats s = stats.get(fault);
            sleep(500 + random.nextInt(1_500)); // somewhere in the middle of the traffic
            long failuresBefore = workload.recommendFailures();
            long faultStart = System.nanoTime();
            long faultEnd; // from here on only a recovered server answers
            switch (fault) {
              case KILL9 -> {
                server.kill();
                faultEnd = System.nanoTime();
                server = startServing(serve);
              }
              case SIGTERM -> {
                server.terminate(120);
                faultEnd = System.nanoTime();
                server = startServing(serve);
              }
              case CLIENT_VANISHES -> {
                workload.feedbackClientVanishes();
                faultEnd = System.nanoTime();
              }
              case DISK_FULL -> {
                disk.fill();
                long acceptedBefore = workload.acceptedCount();
                sleep((long) (faultSeconds * 1_000));
                s.recommendFailuresDuringFault += workload.recommendFailures() - failuresBefore;
                s.acceptedDuringFault += workload.acceptedCount() - acceptedBefore;
                disk.free();
                faultStart = faultEnd = System.nanoTime();
              }
              case SLOW_DISK -> {
                try (SlowDisk slow = SlowDisk.attach(server.pid(), fsyncDelayMillis)) {
                  long acceptedBefore = workload.acceptedCount();
                  sleep((long) (faultSeconds * 1_000));
                  s.recommendFailuresDuringFault += workload.recommendFailures() - failuresBefore;
                  s.acceptedDuringFault += workload.acceptedCount() - acceptedBefore;
                }
                faultStart = faultEnd = System.nanoTime();
              }
              default -> throw new IllegalStateException(fault.toString());
            }
            long servingAgain = workload.awaitServingSince(faultEnd, bound);
            s.cycles++;
            if (servingAgain < 0) {
              s.recoveriesOverBound++;
              System.out.printf(Locale.ROOT, "cycle %d %s: not serving again within %d s%n", cycle, fault.label(), recoveryBoundSeconds);
              continue;
            }
            double recovery = (servingAgain - faultStart) / 1e9;
            s.recoverySeconds.add(recovery);
            // Everything acknowledged since the last check: still known after this fault?
            Set<String> ackedNow = workload.acked(); // before sent(): an event is in sent before its ack can arrive
            Map<String, FeedbackEvent> sent = workload.sent();
            List<FeedbackEvent> fresh = new ArrayList<>();
            for (String key : ackedNow) {
              if (!verified.contains(key) && sent.containsKey(key)) {
                verified.add(key);
                fresh.add(sent.get(key));
                faultOfEvent.put(key, fault);
              }
            }
            Ledger.Resend resend = Ledger.resend(target, fresh);
            s.acked += fresh.size();
            s.lost += resend.lost(); // duplicates are counted in the log at the end: the durable counter moves with the traffic
            System.out.printf(Locale.ROOT, "cycle %d %-16s acked %,6d  lost %d  recovery %.2f s%n", cycle, fault.label(), fresh.size(), resend.lost(), recovery);
          }
        }
      } finally {
        workload.close();
        if (server.isAlive()) {
          server.terminate(120);
        }
      }
      // The log of the stopped server, read from outside: each acknowledged event exactly once.
      Set<String> acked = workload.acked();
      Ledger.LogScan scan = Ledger.scan(data, acked, workload.sent().keySet());
      for (Map.Entry<String, Integer> copies : scan.copies().entrySet()) {
        Fault fault = faultOfEvent.get(copies.getKey());
        if (copies.getValue() > 1 && fault != null) {
          stats.get(fault).duplicated += copies.getValue() - 1;
        }
      }
      for (String key : acked) {
        Fault fault = faultOfEvent.get(key);
        if (!scan.copies().containsKey(key) && fault != null) {
          stats.get(fault).lost++;
        }
      }
      return report(stats, acked.size(), scan);
    } finally {
      if (disk != null) {
        disk.close();
      }
    }
  }

  private static String unavailableBecause(Fault fault) {
    return switch (fault) {
      case DISK_FULL -> SmallDisk.unavailableBecause();
      case SLOW_DISK -> SlowDisk.unavailableBecause();
      default -> null;
    };
  }

  /** Starts the server; a port still held by the process just killed is retried for a while. */
  private static ChildServer startServing(List<String> serve) throws Exception {
    for (int attempt = 0; ; attempt++) {
      ChildServer server = ChildServer.start("1g", serve);
      try {
        server.awaitServing(120);
        return server;
      } catch (IllegalStateException e) {
        server.close();
        if (attempt >= 20 || !String.valueOf(e.getMessage()).contains("ddress already in use")) {
          throw e;
        }
        sleep(500);
      }
    }
  }

  private Result report(Map<Fault, FaultStats> stats, long acked, Ledger.LogScan scan) throws IOException {
    System.out.printf(Locale.ROOT, "%nChaos: %d cycles of each fault under %d lists/s (+3 reactions each); log holds %,d feedback records%n",
        cycles, listsPerSecond, scan.copies().size());
    System.out.printf(Locale.ROOT, "%-16s %6s %9s %5s %10s %12s %12s %17s %17s%n",
        "fault", "cycles", "acked", "lost", "duplicated", "recovery p50", "recovery p99", "Recommend failed*", "acked in fault*");
    long lost = 0;
    long duplicated = 0;
    boolean passed = true;
    Map<String, FaultStats> byLabel = new LinkedHashMap<>();
    JsonReport report = new JsonReport().put("cycles", cycles).put("lists_per_second", listsPerSecond);
    for (Map.Entry<Fault, FaultStats> entry : stats.entrySet()) {
      Fault fault = entry.getKey();
      FaultStats s = entry.getValue();
      byLabel.put(fault.label(), s);
      if (s.skipped != null) {
        System.out.printf(Locale.ROOT, "%-16s skipped: %s%n", fault.label(), s.skipped);
        continue;
      }
      double p50 = percentile(s.recoverySeconds, 0.50);
      double p99 = percentile(s.recoverySeconds, 0.99);
      boolean disk = fault == Fault.DISK_FULL || fault == Fault.SLOW_DISK;
      System.out.printf(Locale.ROOT, "%-16s %6d %,9d %5d %10d %11.2fs %11.2fs %17s %17s%n", fault.label(), s.cycles, s.acked, s.lost, s.duplicated, p50, p99,
          disk ? String.valueOf(s.recommendFailuresDuringFault) : "-", disk ? String.valueOf(s.acceptedDuringFault) : "-");
      lost += s.lost;
      duplicated += s.duplicated;
      passed &= s.lost == 0 && s.duplicated == 0 && s.recoveriesOverBound == 0 && (!disk || s.recommendFailuresDuringFault == 0);
      String key = fault.label().replace('-', '_');
      report.put(key + "_cycles", s.cycles).put(key + "_acked", s.acked).put(key + "_lost", s.lost).put(key + "_duplicated", s.duplicated)
          .put(key + "_recovery_p50_s", p50).put(key + "_recovery_p99_s", p99);
    }
    passed &= scan.lost() == 0 && scan.duplicated() == 0;
    System.out.printf(Locale.ROOT, "(* while the disk was full or slow: Recommend calls that failed (serving must go on); events accepted"
        + " (a full disk still takes what fits in the log's last allocated page)%n");
    System.out.printf(Locale.ROOT, "All: %,d acknowledged, %d lost, %d duplicated in the log; %,d events stored whose ack never arrived (allowed: a resend is DUPLICATE)%n",
        acked, scan.lost(), scan.duplicated(), scan.durableWithoutAck());
    System.out.println(passed ? "PASSED" : "FAILED");
    if (json != null) {
      report.put("acked", acked).put("lost", scan.lost()).put("duplicated", scan.duplicated()).put("passed", passed ? 1 : 0).writeTo(json);
    }
    return new Result(byLabel, acked, Math.max(lost, scan.lost()), Math.max(duplicated, scan.duplicated()), scan.durableWithoutAck(), passed);
  }

  static double percentile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
  }

  private static Path writeCatalog(Path file) throws IOException {
    Random random = new Random(5);
    StringBuilder csv = new StringBuilder("item_id,title,embedding\n");
    for (int i = 0; i < 2_000; i++) {
      csv.append("item-").append(i).append(",Item ").append(i).append(',');
      for (int d = 0; d < 32; d++) {
        csv.append(d == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", random.nextDouble() - 0.5));
      }
      csv.append('\n');
    }
    return Files.writeString(file, csv);
  }


  private static void sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
