package io.recsys.loadtest;

import io.recsys.loadtest.chaos.ChaosCommand;
import io.recsys.loadtest.cluster.ClusterDemoCommand;
import io.recsys.loadtest.compare.CompareCommand;
import io.recsys.loadtest.erasure.ErasureBenchCommand;
import io.recsys.loadtest.feedback.FeedbackBenchCommand;
import io.recsys.loadtest.jmh.JmhCommand;
import io.recsys.loadtest.load.LoadCommand;
import io.recsys.loadtest.overload.OverloadCommand;
import io.recsys.loadtest.restart.RestartBenchCommand;
import io.recsys.loadtest.simulator.SimulateCommand;
import io.recsys.loadtest.swap.SwapBenchCommand;
import io.recsys.loadtest.trainer.TrainerBenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar recsys-load-tests.jar <command>}: benchmarks run on demand. */
@Command(
    name = "recsys-load-tests",
    mixinStandardHelpOptions = true,
    version = "recsys-load-tests 0.1.0",
    description = "Benchmarks and load tools for the recsys server.",
    subcommands = {LoadCommand.class, CompareCommand.class, FeedbackBenchCommand.class, SimulateCommand.class, TrainerBenchCommand.class, SwapBenchCommand.class, JmhCommand.class, RestartBenchCommand.class, ErasureBenchCommand.class, ChaosCommand.class, OverloadCommand.class, ClusterDemoCommand.class})
public final class LoadTestCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Kafka's clients log their whole configuration at INFO; the benchmark's own lines matter here.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    System.setProperty("java.awt.headless", "true"); // plots are drawn to files, never to a screen
    System.exit(new CommandLine(new LoadTestCli()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
