package io.recsys.loadtest.simulator;

import com.google.gson.JsonObject;
import io.recsys.loadtest.InProcessServer;
import io.recsys.server.catalog.CatalogFiles;
import io.recsys.server.catalog.CatalogItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simulate}: seeded users with hidden, drifting tastes against the real server (learning
 * on and off) and against random, popularity, epsilon-greedy online matrix factorisation, LinUCB
 * over content vectors and the oracle, side by side; writes summary.json, summary.md and ctr.png,
 * per seed and, over several seeds, their medians.
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

  @Option(names = "--seeds", split = ",", description = "Several seeds, e.g. 1,2,3: one run each (fresh servers), then medians over them in summary-over-seeds.md; overrides --seed.")
  List<Long> seeds;

  @Option(names = "--truth", description = "Hidden-truth family: authors (items of one author go together) or genres (random hidden genres across authors) (default: ${DEFAULT-VALUE}).", defaultValue = "authors")
  String truth;

  @Option(names = "--only", split = ",", description = "Run only these policies (names as in the report, e.g. linucb,oracle; server-diversity for every --diversity-curve run); default: all. Servers are not started unless a server policy is named.")
  List<String> only;

  @Option(names = "--experiments", description = "Also run the experimental policies (hybrid-ucb: per-item learned vectors and bias beside content, per-user discounted ridge, UCB; and its ablations without the vectors or the bias).")
  boolean experiments;

  @Option(
      names = "--bounds",
      description =
          "Also run references that read the hidden truth (known-items-G: LinUCB given the true item vectors, discount G = 1 and"
              + " --linucb-discount; known-items-G-reset: also forgets every user at each abrupt drift): how far learning only"
              + " the users can go, and how fast. Never candidates.")
  boolean bounds;

  @Option(names = "--linucb-alpha", description = "Confidence-bonus width of the LinUCB baselines (default: ${DEFAULT-VALUE}).", defaultValue = "0.5")
  double linUcbAlpha;

  @Option(names = "--linucb-discount", description = "Weight kept of a user's past observations at each new one by the discounted LinUCB baseline (default: ${DEFAULT-VALUE}: about their last 10 lists of 10).", defaultValue = "0.99")
  double linUcbDiscount;

  @Option(names = "--server-variant", description = "Also run a server started with these serve flags, as NAME=FLAGS, e.g. no-ucb='--ucb-alpha 0' (repeatable; for ablations on the same seeds).")
  List<String> serverVariants = new ArrayList<>();

  @Option(
      names = "--diversity-curve",
      split = ",",
      description = "Also run one learning server per value, each list asking for that diversity (0 to 1), e.g. 0,0.25,0.5,1: the report gives CTR against intra-list diversity.")
  List<Float> diversityCurve = List.of();

  /** Name prefix of the diversity-curve runs: server-diversity-0.5. */
  static final String DIVERSITY_POLICY = "server-diversity-";

  @Option(names = "--report", required = true, description = "Folder for summary.json, summary.md and ctr.png.")
  Path report;

  /** The content vectors of the catalog, once a content policy needed them (see {@link #content}). */
  private ContentVectors content;

  @Override
  public Integer call() throws Exception {
    if (impressions < 1 || k < 1 || users < 1 || step < 1) {
      throw new IllegalArgumentException("--impressions, --k, --users and --step must be >= 1");
    }
    List<Long> runSeeds = seeds == null || seeds.isEmpty() ? List.of(seed) : List.copyOf(seeds);
    if (runSeeds.size() > 1 && target != null) {
      throw new IllegalArgumentException("several --seeds need fresh servers for each seed; leave out --target");
    }
    TruthFamily family = TruthFamily.parse(truth);
    long span = gradualSpan != null ? gradualSpan : impressions / 10;
    String driftSpec = drift != null ? drift : "abrupt@" + impressions / 2 + ",gradual@" + impressions * 3 / 4;
    List<Drift> drifts = Drift.parse(driftSpec, span);
    List<CatalogItem> items = catalog != null ? CatalogFiles.read(catalog) : CatalogFiles.readEmbeddedDefault();
    List<String> ids = items.stream().map(CatalogItem::id).toList();

    List<JsonObject> summaries = new ArrayList<>();
    Path embeddingCache = null;
    for (long runSeed : runSeeds) {
      World world = new World(ids, family.groupsOf(items, runSeed), users, drifts, runSeed);
      JsonObject config = new JsonObject();
      config.addProperty("users", users);
      config.addProperty("impressions", impressions);
      config.addProperty("k", k);
      config.addProperty("drift", driftSpec);
      config.addProperty("gradual_span", span);
      config.addProperty("seed", runSeed);
      config.addProperty("truth", family.label());
      config.addProperty("items", ids.size());
      Path runReport = runSeeds.size() == 1 ? report : report.resolve("seed-" + runSeed);
      Run run = runOnce(world, items, drifts, config, runSeed, runReport, embeddingCache);
      embeddingCache = run.embeddingCache();
      summaries.add(run.summary());
      System.out.println(Files.readString(runReport.resolve("summary.md")));
    }
    if (runSeeds.size() > 1) {
      Files.writeString(report.resolve("summary-over-seeds.md"), SeedSummary.markdown(summaries, drifts));
      System.out.println(Files.readString(report.resolve("summary-over-seeds.md")));
    }
    System.out.println("Wrote " + report);
    return 0;
  }

  /** Whether {@code --only} leaves the policy in (the oracle always runs: the figures are relative to it). */
  private boolean wanted(String policy) {
    return only == null || only.contains(policy) || policy.equals("oracle")
        || policy.startsWith(DIVERSITY_POLICY) && only.contains("server-diversity");
  }

  /** The content vectors, read once for every seed (they do not depend on it), and only if a content policy runs. */
  private ContentVectors content(List<CatalogItem> items, Path cache) throws IOException {
    if (content == null) {
      content = ContentVectors.of(items, cache);
    }
    return content;
  }

  /** One simulation with one seed; returns its summary and the embedding cache for the next run's servers. */
  private Run runOnce(World world, List<CatalogItem> items, List<Drift> drifts, JsonObject config, long runSeed, Path runReport, Path cache)
      throws Exception {
    List<AutoCloseable> servers = new ArrayList<>();
    List<Policy> policies = new ArrayList<>();
    try {
      String learning = target;
      String frozen = staticTarget;
      if (learning == null && wanted("server-learning")) {
        InProcessServer server = InProcessServer.startEmbeddedCatalog(true, cache);
        servers.add(server);
        learning = server.target();
        cache = server.embeddingCache();
      }
      if (target == null && frozen == null && wanted("server-static")) {
        InProcessServer staticServer = InProcessServer.startEmbeddedCatalog(false, cache);
        servers.add(staticServer);
        frozen = staticServer.target();
        cache = staticServer.embeddingCache();
      }
      if (learning != null) {
        policies.add(new ServerPolicy("server-learning", learning));
      }
      for (String variant : serverVariants) {
        int split = variant.indexOf('=');
        if (split <= 0) {
          throw new IllegalArgumentException("--server-variant must be NAME=FLAGS, got '" + variant + "'");
        }
        String name = variant.substring(0, split);
        List<String> flags = List.of(variant.substring(split + 1).trim().split("\\s+"));
        InProcessServer server = InProcessServer.startEmbeddedCatalog(flags.get(0).isEmpty() ? List.of() : flags, cache);
        servers.add(server);
        cache = server.embeddingCache();
        policies.add(new ServerPolicy(name, server.target()));
      }
      for (float diversity : diversityCurve) {
        if (!(diversity >= 0 && diversity <= 1)) {
          throw new IllegalArgumentException("--diversity-curve values must be in [0, 1], got " + diversity);
        }
        String name = DIVERSITY_POLICY + diversity;
        if (wanted(name)) {
          InProcessServer server = InProcessServer.startEmbeddedCatalog(true, cache);
          servers.add(server);
          cache = server.embeddingCache();
          policies.add(new ServerPolicy(name, server.target(), diversity));
        }
      }
      if (frozen != null) {
        policies.add(new ServerPolicy("server-static", frozen));
      }
      policies.add(new BaselinePolicies.Random(world, runSeed + 1));
      policies.add(new BaselinePolicies.Popularity(world, runSeed + 2));
      policies.add(new BaselinePolicies.OnlineMatrixFactorisation(world, epsilon, runSeed + 3));
      List<String> contentPolicies = new ArrayList<>(List.of(LinUcb.nameFor(1), LinUcb.nameFor(linUcbDiscount)));
      if (experiments) {
        for (HybridUcb.Variant variant : HybridUcb.Variant.values()) {
          contentPolicies.add(variant.label);
        }
      }
      ContentVectors measured = null;
      if (!diversityCurve.isEmpty()) {
        measured = content(items, cache);
        cache = measured.embeddingCache();
      }
      if (contentPolicies.stream().anyMatch(this::wanted)) {
        ContentVectors vectors = content(items, cache);
        cache = vectors.embeddingCache();
        policies.add(new LinUcb(world, vectors.matrix(), vectors.dimension(), linUcbAlpha, 1, runSeed + 4));
        policies.add(new LinUcb(world, vectors.matrix(), vectors.dimension(), linUcbAlpha, linUcbDiscount, runSeed + 4));
        if (experiments) {
          for (HybridUcb.Variant variant : HybridUcb.Variant.values()) {
            policies.add(new HybridUcb(world, vectors.matrix(), vectors.dimension(), linUcbAlpha, linUcbDiscount, variant, runSeed + 5));
          }
        }
      }
      if (bounds) {
        List<Long> abrupt = drifts.stream().filter(d -> d.kind() == Drift.Kind.ABRUPT).map(Drift::at).toList();
        policies.add(KnownItemsBound.of(world, linUcbAlpha, 1, List.of()));
        policies.add(KnownItemsBound.of(world, linUcbAlpha, linUcbDiscount, List.of()));
        policies.add(KnownItemsBound.of(world, linUcbAlpha, linUcbDiscount, abrupt));
      }
      policies.add(new BaselinePolicies.Oracle(world));
      List<Policy> skipped = policies.stream().filter(p -> !wanted(p.name())).toList();
      skipped.forEach(Policy::close);
      policies.removeAll(skipped);

      List<PolicyMetrics> metrics = new Simulation(world, new Simulation.Settings(impressions, k, step, runSeed), measured).run(policies);
      return new Run(new SimulationReport(metrics, drifts, config).writeTo(runReport), cache);
    } finally {
      for (Policy policy : policies) {
        policy.close();
      }
      for (AutoCloseable server : servers) {
        server.close();
      }
    }
  }

  private record Run(JsonObject summary, Path embeddingCache) {}
}
