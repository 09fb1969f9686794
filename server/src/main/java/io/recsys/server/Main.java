package io.recsys.server;

import io.recsys.server.ops.OpeCommand;
import io.recsys.server.ops.OpeObdCommand;
import io.recsys.server.ops.ServeCommand;
import io.recsys.server.ops.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar recsys-server.jar <command>}. */
@Command(
    name = "recsys-server",
    mixinStandardHelpOptions = true,
    version = "recsys-server 0.1.0",
    description = "A recommendation server that learns from its users' feedback while it serves.",
    subcommands = {ServeCommand.class, TrainCommand.class, OpeCommand.class, OpeObdCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
