package io.recsys.server;

import io.recsys.server.ops.OpeCommand;
import io.recsys.server.ops.OpeObdCommand;
import io.recsys.server.ops.ServeCommand;
import io.recsys.server.ops.TrainCommand;
import org.slf4j.LoggerFactory;
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
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with its error handling: a setting refused at start (a bad value, an unknown
   * name, a file that cannot be used) prints one line naming it and exits with 2, as a bad flag
   * does; anything else is logged, stack trace included (in JSON too when the logs are JSON), and
   * exits with 1.
   */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, line, parsed) -> {
              if (e instanceof IllegalArgumentException) {
                line.getErr().println("error: " + e.getMessage());
                line.getErr().flush();
                return 2;
              }
              LoggerFactory.getLogger(Main.class).error("{} failed: {}", line.getCommandName(), e.getMessage(), e);
              return 1;
            });
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
