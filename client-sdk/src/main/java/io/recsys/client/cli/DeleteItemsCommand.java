package io.recsys.client.cli;

import io.recsys.client.RecsysClient;
import io.recsys.v1.DeleteItemsResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code delete-items b1 b2}: retires catalog items. */
@Command(
    name = "delete-items",
    mixinStandardHelpOptions = true,
    description = {
      "Retire catalog items: they leave every list served from now on and 'upsert' of the same id brings one back.",
      "Safe to repeat: ids the catalog does not hold (unknown, or deleted before) are listed, not an error."
    })
final class DeleteItemsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Parameters(paramLabel = "ITEM", arity = "1..*", description = "Ids of the items to delete (at most 10,000).")
  List<String> itemIds = new ArrayList<>();

  @Override
  public Integer call() {
    try (RecsysClient client = connection.connect()) {
      DeleteItemsResponse response = client.deleteItems(new ArrayList<>(new LinkedHashSet<>(itemIds)));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("catalog v%d: %d deleted%n", response.getCatalogVersion(), response.getDeletedCount());
      if (response.getMissingItemIdsCount() > 0) {
        out.println("not in the catalog (unknown or deleted before): " + String.join(", ", response.getMissingItemIdsList()));
      }
      return 0;
    }
  }
}
