package io.recsys.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.v1.Item;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar recsys-client.jar recommend --target localhost:50051 --user u1 --k 10}. */
@Command(
    name = "recsys-client",
    mixinStandardHelpOptions = true,
    version = "recsys-client 0.1.0",
    description = "Talk to a recsys server.",
    subcommands = {RecsysCli.Recommend.class, RecsysCli.StatusCommand.class})
public final class RecsysCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new RecsysCli()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Connection options shared by every command. */
  static final class Connection {
    @Option(names = "--target", description = "host:port of the server (default: ${DEFAULT-VALUE}).", defaultValue = "localhost:50051")
    String target;

    @Option(names = "--deadline-ms", description = "Deadline per call (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
    long deadlineMs;

    RecsysClient connect() {
      return RecsysClient.builder(target).deadline(Duration.ofMillis(deadlineMs)).build();
    }
  }

  @Command(name = "recommend", mixinStandardHelpOptions = true, description = "Print a user's top-k list.")
  static final class Recommend implements Callable<Integer> {
    @CommandLine.Mixin Connection connection = new Connection();

    @Option(names = "--user", required = true, description = "User id.")
    String user;

    @Option(names = "--k", description = "How many items (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    int k;

    @Option(names = "--exclude", split = ",", description = "Item ids to leave out.")
    List<String> exclude = new ArrayList<>();

    @Override
    public Integer call() {
      try (RecsysClient client = connection.connect()) {
        RecommendResponse response = client.recommend(user, k, exclude);
        System.out.printf(
            "event %s  model %s  catalog v%d%n",
            response.getEventId(), response.getModelVersion(), response.getCatalogVersion());
        System.out.printf("%4s  %-12s  %9s  %10s  %s%n", "#", "item_id", "score", "propensity", "title");
        for (RecommendedItem item : response.getItemsList()) {
          // "*": placed here by exploration, above a higher-scored candidate.
          System.out.printf(
              "%4d  %-12s  %9.5f%s %10.4f  %s%n",
              item.getPosition(), item.getItemId(), item.getScore(), item.getExplored() ? "*" : " ",
              item.getPropensity(), titleOf(client, item.getItemId()));
        }
        return 0;
      } catch (StatusRuntimeException e) {
        return fail(e);
      }
    }

    private static String titleOf(RecsysClient client, String itemId) {
      try {
        Item item = client.getItem(itemId);
        return item.getTitle();
      } catch (StatusRuntimeException e) {
        return "(" + e.getStatus().getCode() + ")";
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Print the server's status.")
  static final class StatusCommand implements Callable<Integer> {
    @CommandLine.Mixin Connection connection = new Connection();

    @Override
    public Integer call() throws Exception {
      try (RecsysClient client = connection.connect()) {
        System.out.print(com.google.protobuf.util.JsonFormat.printer().print(client.status()));
        System.out.println();
        return 0;
      } catch (StatusRuntimeException e) {
        return fail(e);
      }
    }
  }

  private static int fail(StatusRuntimeException e) {
    Status status = e.getStatus();
    System.err.println("error: " + status.getCode() + ": " + status.getDescription());
    return 2;
  }
}
