package io.recsys.client.cli;

import io.grpc.StatusRuntimeException;
import io.recsys.client.RecsysClient;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code recommend --user u1 --k 10}: a user's top-k list with titles. */
@Command(name = "recommend", mixinStandardHelpOptions = true, description = "Print a user's top-k list.")
final class RecommendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--user", required = true, description = "User id.")
  String user;

  @Option(names = "--k", defaultValue = "10", description = "How many items (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--exclude", split = ",", description = "Item ids to leave out.")
  List<String> exclude = new ArrayList<>();

  @Override
  public Integer call() {
    try (RecsysClient client = connection.connect()) {
      RecommendResponse response = client.recommend(user, k, exclude);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("event %s  model %s  catalog v%d%n", response.getEventId(), response.getModelVersion(), response.getCatalogVersion());
      out.printf("%4s  %-12s  %9s  %10s  %s%n", "#", "item_id", "score", "propensity", "title");
      for (RecommendedItem item : response.getItemsList()) {
        // "*": placed here by exploration, above a higher-scored candidate.
        out.printf(
            "%4d  %-12s  %9.5f%s %10.4f  %s%n",
            item.getPosition(), item.getItemId(), item.getScore(), item.getExplored() ? "*" : " ",
            item.getPropensity(), titleOf(client, item.getItemId()));
      }
      out.printf("react with: feedback --event %s --user %s --item <item_id> --type click|like|dislike%n", response.getEventId(), user);
      return 0;
    }
  }

  private static String titleOf(RecsysClient client, String itemId) {
    try {
      return client.getItem(itemId).getTitle();
    } catch (StatusRuntimeException e) {
      return "(" + e.getStatus().getCode() + ")";
    }
  }
}
