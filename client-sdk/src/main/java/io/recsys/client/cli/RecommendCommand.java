package io.recsys.client.cli;

import io.grpc.StatusRuntimeException;
import io.recsys.client.AttributeFilters;
import io.recsys.client.RecommendOptions;
import io.recsys.client.RecsysClient;
import io.recsys.v1.Explanation;
import io.recsys.v1.RecommendResponse;
import io.recsys.v1.RecommendedItem;
import io.recsys.v1.SimilarItem;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code recommend --user u1 --k 10}: a user's top-k list with titles. */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    description = {
      "Print a user's top-k list.",
      "Filters (--filter, repeatable; every item meets all of them): ATTR=VALUE, ATTR=V1|V2 (any of),"
          + " ATTR!=VALUE (none of; items without the attribute too), ATTR>=NUMBER, ATTR<=NUMBER, ATTR=MIN..MAX."
    })
final class RecommendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--user", required = true, description = "User id.")
  String user;

  @Option(names = "--k", defaultValue = "10", description = "How many items (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--exclude", split = ",", description = "Item ids to leave out.")
  List<String> exclude = new ArrayList<>();

  @Option(
      names = "--filter",
      paramLabel = "ATTR=VALUE",
      description = "A condition on an item attribute, e.g. genre=sf, genre!=horror, year>=1990, year=1990..2000 (repeatable).")
  List<String> filters = new ArrayList<>();

  @Option(names = "--explain", description = "Print why each item is in the list.")
  boolean explain;

  @Option(
      names = "--diversity",
      defaultValue = "0",
      description = "Trade score for variety, 0 to 1 (default: ${DEFAULT-VALUE}, the list by score alone).")
  double diversity;

  @Override
  public Integer call() {
    RecommendOptions.Builder options = RecommendOptions.builder().exclude(exclude).explain(explain).diversity(diversity);
    for (String filter : filters) {
      try {
        options.filter(AttributeFilters.parse(filter));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "bad --filter: " + e.getMessage());
      }
    }
    try (RecsysClient client = connection.connect()) {
      RecommendResponse response = client.recommend(user, k, options.build());
      PrintWriter out = spec.commandLine().getOut();
      out.printf("event %s  model %s  catalog v%d%n", response.getEventId(), response.getModelVersion(), response.getCatalogVersion());
      out.printf("%4s  %-12s  %9s  %10s  %s%n", "#", "item_id", "score", "propensity", "title");
      for (RecommendedItem item : response.getItemsList()) {
        // "*": placed here by exploration, above a higher-scored candidate.
        out.printf(
            "%4d  %-12s  %9.5f%s %10.4f  %s%n",
            item.getPosition(), item.getItemId(), item.getScore(), item.getExplored() ? "*" : " ",
            item.getPropensity(), titleOf(client, item.getItemId()));
        if (item.hasExplanation()) {
          out.printf("%6s%s%n", "", why(item.getExplanation()));
        }
      }
      out.printf("react with: feedback --event %s --user %s --item <item_id> --type click|like|dislike%n", response.getEventId(), user);
      return 0;
    }
  }

  /** One line on why an item is in the list, e.g. "why: similar to your b1 (0.91), b7 (0.85)". */
  static String why(Explanation explanation) {
    StringBuilder line = new StringBuilder("why: ");
    switch (explanation.getReason()) {
      case REASON_SIMILAR_TO_YOUR_ITEMS -> {
        List<String> similar = new ArrayList<>();
        for (SimilarItem item : explanation.getSimilarItemsList()) {
          similar.add(String.format(Locale.ROOT, "%s (%.2f)", item.getItemId(), item.getSimilarity()));
        }
        line.append("similar to your ").append(similar.isEmpty() ? "items" : String.join(", ", similar));
      }
      case REASON_POPULAR -> line.append("popular");
      case REASON_EXPLORING -> line.append(String.format(Locale.ROOT, "exploring (propensity %.4f)", explanation.getPropensity()));
      case REASON_NEW_ITEM -> line.append("new item (few reactions yet)");
      case REASON_SIMILAR_USERS -> line.append("liked by similar users");
      case REASON_DIVERSITY -> line.append("diversity (unlike the items above)");
      default -> line.append(explanation.getReason().name().replace("REASON_", "").toLowerCase(Locale.ROOT));
    }
    return line.toString();
  }

  private static String titleOf(RecsysClient client, String itemId) {
    try {
      return client.getItem(itemId).getTitle();
    } catch (StatusRuntimeException e) {
      return "(" + e.getStatus().getCode() + ")";
    }
  }
}
