package io.recsys.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar recsys-client.jar <command> [--target host:port] ...}: what a newcomer tries
 * first. Exit codes: 0 done, 1 the server refused (its status and message on stderr), 2 bad input
 * (flags, files) before anything was sent.
 */
@Command(
    name = "recsys-client",
    mixinStandardHelpOptions = true,
    version = "recsys-client 0.1.0",
    description = "Talk to a recsys server.",
    subcommands = {
      RecommendCommand.class,
      FeedbackCommand.class,
      UpsertCommand.class,
      DeleteItemsCommand.class,
      AdminCommands.Status.class,
      AdminCommands.Versions.class,
      AdminCommands.Pin.class,
      AdminCommands.Pause.class,
      AdminCommands.Resume.class,
      AdminCommands.ForgetUser.class,
      AdminCommands.ExportUser.class
    })
public final class RecsysCli implements Runnable {
  /** The server answered with an error status, or rejected the event. */
  static final int REFUSED = 1;
  /** Bad flags or files; nothing was sent. */
  static final int BAD_INPUT = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The CLI, with its error handling; tests run it with their own out and err writers. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new RecsysCli());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // One line and a pointer to --help, not the whole usage text, for a mistyped flag or a bad file.
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine command = e.getCommandLine();
          command.getErr().println("error: " + e.getMessage());
          command.getErr().println("Try '" + command.getCommandSpec().qualifiedName() + " --help'.");
          return BAD_INPUT;
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof StatusRuntimeException refused) {
            Status status = refused.getStatus();
            commandLine.getErr().println("error: " + status.getCode() + ": " + status.getDescription());
            return REFUSED;
          }
          if (e instanceof UncheckedIOException || e instanceof java.io.IOException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return BAD_INPUT;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
