package io.recsys.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.recsys.client.RecsysClient;
import io.recsys.v1.ExportUserResponse;
import io.recsys.v1.ForgetUserResponse;
import io.recsys.v1.ModelVersion;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operator's commands: status, model versions, pinning one, pausing and resuming training,
 * and a user's data (forgetting a user, exporting what is stored about one).
 */
final class AdminCommands {
  private AdminCommands() {}

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Print the server's status (JSON).")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Override
    public Integer call() throws InvalidProtocolBufferException {
      try (RecsysClient client = connection.connect()) {
        spec.commandLine().getOut().println(JsonFormat.printer().print(client.status()));
        return 0;
      }
    }
  }

  @Command(name = "versions", mixinStandardHelpOptions = true, description = "List the model versions, the live one marked '*'.")
  static final class Versions implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Override
    public Integer call() {
      try (RecsysClient client = connection.connect()) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("  %-10s  %-9s  %-20s  %s%n", "version", "state", "created", "description");
        for (ModelVersion version : client.modelVersions().getVersionsList()) {
          String state = version.getState().name().replace("MODEL_VERSION_STATE_", "").toLowerCase(Locale.ROOT);
          out.printf(
              "%s %-10s  %-9s  %-20s  %s%n",
              state.equals("live") ? "*" : " ", version.getVersion(), state, instant(version.getCreatedAt()),
              version.getDescription());
        }
        return 0;
      }
    }
  }

  @Command(
      name = "pin",
      mixinStandardHelpOptions = true,
      description = "Serve VERSION again (the baseline v1 or an earlier learned one) and pause training, so nothing replaces it.")
  static final class Pin implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Parameters(paramLabel = "VERSION", description = "A version 'versions' lists.")
    String version;

    @Override
    public Integer call() {
      try (RecsysClient client = connection.connect()) {
        spec.commandLine().getOut().println("serving " + client.pinModelVersion(version) + "; training paused (resume to learn again)");
        return 0;
      }
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause the background trainer; serving and feedback go on.")
  static final class Pause implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Override
    public Integer call() {
      return setPaused(spec, connection, true);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume the background trainer.")
  static final class Resume implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Override
    public Integer call() {
      return setPaused(spec, connection, false);
    }
  }

  @Command(
      name = "forget-user",
      mixinStandardHelpOptions = true,
      description = {
        "Erase everything the server stores about USER: state, learned parameters, open impressions, replay"
            + " transitions and log records (the logs are rewritten without them). It cannot be undone.",
        "Safe to repeat: a user the server holds nothing about is reported, not an error. Rewriting a large log"
            + " takes time: raise --deadline-ms."
      })
  static final class ForgetUser implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Parameters(paramLabel = "USER", description = "Id of the user to forget.")
    String userId;

    @Override
    public Integer call() {
      try (RecsysClient client = connection.connect()) {
        ForgetUserResponse response = client.forgetUser(userId);
        PrintWriter out = spec.commandLine().getOut();
        if (!response.getFound()) {
          out.println("nothing stored about " + userId + " (never seen, or forgotten before); nothing changed");
          return 0;
        }
        out.printf(
            "forgot %s: %d log records and %d replay transitions removed at %s; audit id %s%n",
            userId, response.getLogRecordsRemoved(), response.getTransitionsRemoved(),
            instant(response.getForgottenAt()), response.getAuditId());
        return 0;
      }
    }
  }

  @Command(
      name = "export-user",
      mixinStandardHelpOptions = true,
      description = "Print everything the server stores about USER (JSON): state, reactions, the lists its logs hold.")
  static final class ExportUser implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();

    @Parameters(paramLabel = "USER", description = "Id of the user.")
    String userId;

    @Override
    public Integer call() throws InvalidProtocolBufferException {
      try (RecsysClient client = connection.connect()) {
        ExportUserResponse response = client.exportUser(userId);
        // Every field, "found": false included, so a script can tell an unknown user at a glance.
        spec.commandLine().getOut().println(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(response));
        return 0;
      }
    }
  }

  /** To the second: enough to read, and the same in every command's output. */
  private static String instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds()).toString();
  }

  private static int setPaused(CommandSpec spec, ConnectionOptions connection, boolean paused) {
    try (RecsysClient client = connection.connect()) {
      boolean now = client.setTrainingPaused(paused);
      spec.commandLine().getOut().println(now ? "training paused" : "training running");
      return 0;
    }
  }
}
