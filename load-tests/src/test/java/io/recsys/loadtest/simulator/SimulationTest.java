package io.recsys.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator on its in-process policies (no server needed). */
class SimulationTest {
  private static final int ITEMS = 600;
  private static final int IMPRESSIONS = 4_000;

  @TempDir Path dir;

  private static World world(long seed, List<Drift> drifts) {
    List<String> ids = IntStream.range(0, ITEMS).mapToObj(i -> "item-" + i).toList();
    List<String> authors = IntStream.range(0, ITEMS).mapToObj(i -> "author-" + (i % 60)).toList();
    return new World(ids, authors, 200, drifts, seed);
  }

  private static List<PolicyMetrics> run(long seed) {
    List<Drift> drifts = Drift.parse("abrupt@2000", 0);
    World world = world(seed, drifts);
    List<Policy> policies = new ArrayList<>();
    policies.add(new BaselinePolicies.Random(world, seed + 1));
    policies.add(new BaselinePolicies.Popularity(world, seed + 2));
    policies.add(new BaselinePolicies.OnlineMatrixFactorisation(world, 0.1, seed + 3));
    policies.add(new BaselinePolicies.Oracle(world));
    return new Simulation(world, new Simulation.Settings(IMPRESSIONS, 10, 32, seed)).run(policies);
  }

  @Test
  void theSameSeedGivesTheSameRunAndAnotherSeedAnotherOne() {
    List<PolicyMetrics> first = run(7);
    List<PolicyMetrics> again = run(7);
    List<PolicyMetrics> other = run(8);

    for (int p = 0; p < first.size(); p++) {
      assertThat(again.get(p).totalClicks()).isEqualTo(first.get(p).totalClicks());
      assertThat(again.get(p).expectedCtr(0, IMPRESSIONS)).isEqualTo(first.get(p).expectedCtr(0, IMPRESSIONS));
    }
    assertThat(other.get(3).totalClicks()).isNotEqualTo(first.get(3).totalClicks());
  }

  @Test
  void theOracleIsTheCeilingAndRandomTheFloor() {
    List<PolicyMetrics> metrics = run(3);
    PolicyMetrics random = metrics.get(0);
    PolicyMetrics oracle = metrics.get(3);

    for (PolicyMetrics m : metrics) {
      assertThat(m.expectedCtr(0, IMPRESSIONS)).isLessThanOrEqualTo(oracle.expectedCtr(0, IMPRESSIONS));
      assertThat(m.regretAgainst(oracle)).isGreaterThanOrEqualTo(0);
    }
    assertThat(oracle.ctr(0, IMPRESSIONS)).isGreaterThan(3 * random.ctr(0, IMPRESSIONS));
    assertThat(random.coverage()).isGreaterThan(0.9);
  }

  @Test
  void anAbruptDriftChangesEveryTasteAndAGradualOneBlends() {
    World world = world(1, Drift.parse("abrupt@100,gradual@200", 100));

    double[] before = world.taste(5, 99);
    double[] after = world.taste(5, 100);
    double[] halfway = world.taste(5, 250);
    double[] done = world.taste(5, 300);

    assertThat(after).isNotEqualTo(before);
    assertThat(world.taste(5, 150)).isEqualTo(after);
    for (int f = 0; f < World.FACTORS; f++) {
      assertThat(halfway[f]).isCloseTo((after[f] + done[f]) / 2, org.assertj.core.api.Assertions.within(1e-12));
    }
  }

  @Test
  void theReportHasJsonMarkdownAndAPlot() throws Exception {
    List<Drift> drifts = Drift.parse("abrupt@2000", 0);
    JsonObject config = new JsonObject();
    config.addProperty("seed", 3);

    new SimulationReport(run(3), drifts, config).writeTo(dir);

    String json = Files.readString(dir.resolve("summary.json"));
    assertThat(json).contains("\"oracle\"", "\"ctr\"", "\"cumulative_reward\"", "\"regret\"", "\"recovery_impressions\"");
    assertThat(json.split("\"abrupt@2000\"", -1)).as("one recovery entry per policy, null ones too").hasSize(5);
    assertThat(Files.readString(dir.resolve("summary.md"))).contains("| online-mf |");
    byte[] png = Files.readAllBytes(dir.resolve("ctr.png"));
    assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  @Test
  void intraListSimilarityIsMeasuredPerListAndTheReportGivesTheDiversityCurve() throws Exception {
    List<Drift> drifts = Drift.parse("abrupt@2000", 0);
    World world = world(5, drifts);
    // Items 0-29 share one direction, the rest are spread over two orthogonal ones.
    float[] matrix = new float[ITEMS * 2];
    for (int i = 0; i < ITEMS; i++) {
      matrix[i * 2] = i < 30 || i % 2 == 0 ? 1 : 0;
      matrix[i * 2 + 1] = i < 30 || i % 2 == 0 ? 0 : 1;
    }
    ContentVectors content = new ContentVectors(matrix, 2, null);
    Policy alike = fixed(SimulateCommand.DIVERSITY_POLICY + "0.0", world, IntStream.range(0, 10).boxed().toList());
    Policy mixed = fixed(SimulateCommand.DIVERSITY_POLICY + "1.0", world, IntStream.range(30, 40).boxed().toList());

    List<PolicyMetrics> metrics =
        new Simulation(world, new Simulation.Settings(IMPRESSIONS, 10, 32, 5), content).run(List.of(alike, mixed, new BaselinePolicies.Oracle(world)));

    assertThat(metrics.get(0).intraListSimilarity()).isEqualTo(1.0);
    // Items 30-39: five along each axis: of 45 pairs, 20 alike (cosine 1), 25 orthogonal.
    assertThat(metrics.get(1).intraListSimilarity()).isCloseTo(20 / 45.0, org.assertj.core.api.Assertions.within(1e-9));
    JsonObject config = new JsonObject();
    new SimulationReport(metrics, drifts, config).writeTo(dir);
    assertThat(Files.readString(dir.resolve("summary.md")))
        .contains("## CTR vs intra-list diversity", "| 0.0 |", "| 1.0 |", "| 1.000 | 0.000 |");
  }

  /** A policy that shows every user the same list. */
  private static Policy fixed(String name, World world, List<Integer> items) {
    List<String> list = items.stream().map(i -> world.itemIds().get(i)).toList();
    return new Policy() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<List<String>> recommend(List<Integer> users, int k, long time) {
        return users.stream().map(u -> list).toList();
      }

      @Override
      public void observe(List<Integer> users, List<List<String>> lists, io.recsys.v1.FeedbackType[][] reactions) {}
    };
  }

  @Test
  void driftSpecificationsAreChecked() {
    assertThat(Drift.parse("gradual@75,abrupt@50", 10)).extracting(Drift::label).containsExactly("abrupt@50", "gradual@75");
    assertThatThrownBy(() -> Drift.parse("sudden@5", 1)).hasMessageContaining("abrupt or gradual");
    assertThatThrownBy(() -> Drift.parse("abrupt", 1)).hasMessageContaining("abrupt@50000");
  }
}
