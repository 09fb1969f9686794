package io.recsys.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.recsys.client.RecsysClient;
import io.recsys.v1.Item;
import io.recsys.v1.UpsertItemsResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code upsert --file items.jsonl}: creates or replaces items, one {@code recsys.v1.Item} JSON per line. */
@Command(
    name = "upsert",
    mixinStandardHelpOptions = true,
    description = {
      "Create or replace catalog items from a file, as one unit: all of them or, on any bad item, none.",
      "One recsys.v1.Item per line in JSON, the format of catalog .jsonl files:",
      "  {\"item_id\":\"b1\",\"title\":\"Dune\",\"text\":\"desert planet\",\"attributes\":{\"genre\":\"sf\"}}",
      "(a vector catalog wants an \"embedding\":[...] of its dimension instead of text)."
    })
final class UpsertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--file", required = true, paramLabel = "JSONL", description = "The items; '-' reads standard input.")
  String file;

  @Option(
      names = "--upsert-deadline-s",
      defaultValue = "300",
      description = "Seconds to wait for the server, which embeds every item before it answers (default: ${DEFAULT-VALUE}).")
  long deadlineSeconds;

  @Override
  public Integer call() throws IOException {
    if (deadlineSeconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--upsert-deadline-s must be positive");
    }
    List<Item> items = read();
    if (items.isEmpty()) {
      throw new ParameterException(spec.commandLine(), file + " holds no items");
    }
    try (RecsysClient client =
        connection.connect(builder -> builder.upsertDeadline(Duration.ofSeconds(deadlineSeconds)))) {
      UpsertItemsResponse response = client.upsertItems(items);
      spec.commandLine().getOut().printf(
          "catalog v%d: %d created, %d updated%n",
          response.getCatalogVersion(), response.getCreatedCount(), response.getUpdatedCount());
      return 0;
    }
  }

  /** Every line parsed before anything is sent: a bad line sends nothing. */
  private List<Item> read() throws IOException {
    JsonFormat.Parser parser = JsonFormat.parser();
    List<Item> items = new ArrayList<>();
    try (BufferedReader reader = open()) {
      long line = 0;
      for (String row = reader.readLine(); row != null; row = reader.readLine()) {
        line++;
        if (row.isBlank()) {
          continue;
        }
        Item.Builder item = Item.newBuilder();
        try {
          parser.merge(row, item);
        } catch (InvalidProtocolBufferException e) {
          throw new ParameterException(spec.commandLine(), file + ":" + line + ": not a recsys.v1.Item: " + e.getMessage());
        }
        items.add(item.build());
      }
    }
    return items;
  }

  private BufferedReader open() throws IOException {
    if (file.equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    try {
      return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), "no such file: " + file);
    }
  }
}
