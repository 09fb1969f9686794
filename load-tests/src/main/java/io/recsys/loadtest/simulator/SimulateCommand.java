package io.recsys.loadtest.simulator;

import com.google.gson.JsonObject;
import io.recsys.loadtest.InProcessServer;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simulate}: seeded users with hidden, drifting tastes against the real server (learning
 * on and off) and against random, popularity, epsilon-greedy online matrix factorisation and the
 * oracle, side by side; writes summary.json, summary.md and ctr.png.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = "Drifting-interest user simulator: the server vs baselines vs the oracle.")
public final class SimulateCommand implements Callable<Integer> {
  @Option(names = "--target", description = "Server with learning on (host:port); default: one in-process.")
  String target;

  @Option(names = "--static-target", description = "Server with learning off (serve --learning off); default: one in-process.")
  String staticTarget;

  @Option(names = "--catalog", description = "The servers' catalog file (CSV with item_id and authors); default: the embedded goodbooks-10k.")
  Path catalog;

  @Option(names = "--users", description = "Distinct users, who keep coming back (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  int users;

  @Option(names = "--impressions", description = "Lists shown per policy (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
  int impressions;

  @Option(names = "--k", description = "Items per list (default: ${DEFAULT-VALUE}).", defaultValue = "10")
  int k;

  @Option(names = "--drift", description = "Drifts, e.g. abrupt@50000,gradual@75000 (default: abrupt at half, gradual at three quarters).")
  String drift;

  @Option(names = "--gradual-span", description = "Impressions a gradual drift takes (default: a tenth of --impressions).")
  Long gradualSpan;

  @Option(names = "--epsilon", description = "Exploration of the online-MF baseline (default: ${DEFAULT-VALUE}).", defaultValue = "0.1")
  double epsilon;

  @Option(names = "--step", description = "Visits served together per step (default: ${DEFAULT-VALUE}).", defaultValue = "64")
  int step;

  @Option(names = "--seed", description = "Seed of the world and the visits (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @Option(names = "--report", required = true, description = "Folder for summary.json, summary.md and ctr.png.")
  Path report;

  @Override
  public Integer call() throws Exception {
    if (impressions < 1 || k < 1 || users < 1 || step < 1) {
      throw new IllegalArgumentException("--impressions, --k, --users and --step must be >= 1");
    }
    long span = gradualSpan != null ? gradualSpan : impressions / 10;
    String driftSpec = drift != null ? drift : "abrupt@" + impressions / 2 + ",gradual@" + impressions * 3 / 4;
    List<Drift> drifts = Drift.parse(driftSpec, span);
    List<CatalogItem> items = catalog != null ? CatalogFiles.read(catalog) : CatalogFiles.readEmbeddedDefault();
    List<String> ids = new ArrayList<>(items.size());
    List<String> authors = new ArrayList<>(items.size());
    for (CatalogItem item : items) {
      ids.add(item.id());
      authors.add(firstAuthor(item));
    }
    World world = new World(ids, authors, users, drifts, seed);

    List<AutoCloseable> servers = new ArrayList<>();
    List<Policy> policies = new ArrayList<>();
    try {
      String learning = target;
      String frozen = staticTarget;
      if (learning == null) {
        InProcessServer server = InProcessServer.startEmbeddedCatalog(true, null);
        servers.add(server);
        learning = server.target();
        if (frozen == null) {
          InProcessServer staticServer = InProcessServer.startEmbeddedCatalog(false, server.embeddingCache());
          servers.add(staticServer);
          frozen = staticServer.target();
        }
      }
      policies.add(new ServerPolicy("server-learning", learning));
      if (frozen != null) {
        policies.add(new ServerPolicy("server-static", frozen));
      }
      policies.add(new BaselinePolicies.Random(world, seed + 1));
      policies.add(new BaselinePolicies.Popularity(world, seed + 2));
      policies.add(new BaselinePolicies.OnlineMatrixFactorisation(world, epsilon, seed + 3));
      policies.add(new BaselinePolicies.Oracle(world));

      List<PolicyMetrics> metrics =
          new Simulation(world, new Simulation.Settings(impressions, k, step, seed)).run(policies);

      JsonObject config = new JsonObject();
      config.addProperty("users", users);
      config.addProperty("impressions", impressions);
      config.addProperty("k", k);
      config.addProperty("drift", driftSpec);
      config.addProperty("gradual_span", span);
      config.addProperty("seed", seed);
      config.addProperty("items", ids.size());
      SimulationReport simulationReport = new SimulationReport(metrics, drifts, config);
      simulationReport.writeTo(report);
      System.out.println(java.nio.file.Files.readString(report.resolve("summary.md")));
      System.out.println("Wrote " + report.resolve("summary.json") + ", summary.md and ctr.png");
      return 0;
    } finally {
      for (Policy policy : policies) {
        policy.close();
      }
      for (AutoCloseable server : servers) {
        server.close();
      }
    }
  }

  private static String firstAuthor(CatalogItem item) {
    String authors = item.attributes().getOrDefault("authors", item.id());
    int comma = authors.indexOf(',');
    return (comma < 0 ? authors : authors.substring(0, comma)).strip();
  }
}
