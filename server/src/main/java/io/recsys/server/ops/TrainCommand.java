package io.recsys.server.ops;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.util.JsonFormat;
import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.JsonlItems;
import io.recsys.server.learning.Interaction;
import io.recsys.server.learning.Interactions;
import io.recsys.server.learning.ScorerTraining;
import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.RetrievalGraph;
import io.recsys.server.storage.DataDirectory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code train}: fits the supervised scorer (item tower over the language-model embeddings, user
 * vectors) to an interaction log, reports held-out Recall@K and NDCG@K beside a popularity
 * baseline, and exports the retrieval graph with the trained item matrix inside.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train the supervised scorer on an interaction log and export its retrieval graph.")
public final class TrainCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--data-dir", description = "A server's data dir: train on its feedback log.")
    Path dataDir;

    @Option(names = "--interactions", description = "CSV user_id,item_id,label[,timestamp].")
    Path csv;
  }

  @Option(names = "--catalog", description = "Catalog file; default: the embedded goodbooks-10k.")
  Path catalog;

  @Option(names = "--out", required = true, description = "Folder for scorer.onnx, catalog.jsonl (the items with their trained vectors), user_vectors.csv and metrics.json.")
  Path out;

  @Option(names = "--dimension", description = "Item tower output size (default: ${DEFAULT-VALUE}).", defaultValue = "32")
  int dimension;

  @Option(names = "--epochs", description = "Passes over the log (default: ${DEFAULT-VALUE}).", defaultValue = "8")
  int epochs;

  @Option(names = "--negatives", description = "Sampled negatives per positive (default: ${DEFAULT-VALUE}).", defaultValue = "4")
  int negatives;

  @Option(names = "--k", description = "K of Recall@K and NDCG@K (default: ${DEFAULT-VALUE}).", defaultValue = "10")
  int k;

  @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @Override
  public Integer call() throws Exception {
    List<Interaction> interactions =
        source.csv != null ? Interactions.readCsv(source.csv) : Interactions.fromFeedbackLog(DataDirectory.feedbackLogOf(source.dataDir));
    if (interactions.isEmpty()) {
      throw new IllegalArgumentException("the interaction log is empty");
    }
    Files.createDirectories(out);
    Path work = Files.createDirectories(out.resolve("work"));
    if (source.dataDir != null && Files.exists(source.dataDir.resolve("embeddings.bin"))) {
      Files.copy(source.dataDir.resolve("embeddings.bin"), work.resolve("embeddings.bin"), StandardCopyOption.REPLACE_EXISTING);
    }
    List<CatalogItem> items = catalog != null ? CatalogFiles.read(catalog) : CatalogFiles.readEmbeddedDefault();
    if (!items.isEmpty() && items.get(0).hasEmbedding()) {
      throw new IllegalArgumentException(
          "train fits an item tower over the language model's embeddings: give it a text catalog, not a vector catalog");
    }
    ScorerTraining.Settings settings = new ScorerTraining.Settings(dimension, epochs, negatives, 0.05, 1e-5, k, seed);
    ScorerTraining.Result result;
    CatalogSnapshot trainedOn;
    try (MiniLmEmbedder embedder = MiniLmEmbedder.load(new OnnxRuntime(OnnxRuntime.Device.AUTO, Runtime.getRuntime().availableProcessors()));
        Catalog loaded = Catalog.open(items, work, embedder);
        ProgressBar progress =
            new ProgressBarBuilder().setTaskName("Training").setStyle(ProgressBarStyle.ASCII)
                .setInitialMax((long) interactions.size() * epochs * (1 + negatives)).setUpdateIntervalMillis(500).build()) {
      trainedOn = loaded.current();
      result = new ScorerTraining(settings).fit(trainedOn, interactions, progress::stepTo);
    }

    int catalogSize = result.bias().length;
    Files.write(out.resolve("scorer.onnx"), RetrievalGraph.exportWithWeights(result.itemMatrix(), result.bias(), result.dimension(), catalogSize));
    try (BufferedWriter writer = Files.newBufferedWriter(out.resolve("user_vectors.csv"))) {
      for (Map.Entry<String, float[]> user : result.users().entrySet()) {
        writer.write(user.getKey());
        for (float value : user.getValue()) {
          writer.write(',');
          writer.write(Float.toString(value));
        }
        writer.newLine();
      }
    }
    writeVectorCatalog(trainedOn, result, out.resolve("catalog.jsonl"));
    JsonObject metrics = new JsonObject();
    metrics.addProperty("interactions", interactions.size());
    metrics.addProperty("train_examples", result.trainExamples());
    metrics.addProperty("held_out_users", result.model().users());
    metrics.addProperty("k", k);
    metrics.addProperty("recall_at_k", result.model().recall());
    metrics.addProperty("ndcg_at_k", result.model().ndcg());
    metrics.addProperty("popularity_recall_at_k", result.popularity().recall());
    metrics.addProperty("popularity_ndcg_at_k", result.popularity().ndcg());
    Files.writeString(out.resolve("metrics.json"), new GsonBuilder().setPrettyPrinting().create().toJson(metrics) + "\n");
    System.out.printf(Locale.ROOT, "%-12s %10s %10s%n", "", "Recall@" + k, "NDCG@" + k);
    System.out.printf(Locale.ROOT, "%-12s %10.4f %10.4f%n", "scorer", result.model().recall(), result.model().ndcg());
    System.out.printf(Locale.ROOT, "%-12s %10.4f %10.4f%n", "popularity", result.popularity().recall(), result.popularity().ndcg());
    System.out.println("(" + result.model().users() + " held-out users) Wrote " + out.resolve("scorer.onnx") + ", catalog.jsonl, user_vectors.csv, metrics.json");
    System.out.println("Serve it: serve --catalog " + out.resolve("catalog.jsonl") + " --user-vectors " + out.resolve("user_vectors.csv"));
    return 0;
  }

  /**
   * The catalog with each item's trained vector as its embedding: a vector catalog that {@code
   * serve} takes as it is. The per-item bias stays behind: serving adds its popularity prior.
   */
  private static void writeVectorCatalog(CatalogSnapshot catalog, ScorerTraining.Result result, Path file) throws IOException {
    int items = catalog.size();
    int dim = result.dimension();
    JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
    try (BufferedWriter writer = Files.newBufferedWriter(file)) {
      for (int row = 0; row < items; row++) {
        CatalogItem item = catalog.item(row);
        float[] vector = new float[dim];
        for (int d = 0; d < dim; d++) {
          vector[d] = result.itemMatrix()[d * items + row];
        }
        writer.write(printer.print(JsonlItems.record(new CatalogItem(item.id(), item.title(), item.text(), item.attributes(), vector))));
        writer.newLine();
      }
    }
  }
}
