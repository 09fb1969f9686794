package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.feedback.FeedbackProcessor;
import io.recsys.server.feedback.FeedbackResult;
import io.recsys.server.feedback.FeedbackSettings;
import io.recsys.server.feedback.Reaction;
import io.recsys.server.feedback.ReplayBuffer;
import io.recsys.server.feedback.SegmentedFeedbackLog;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.policy.Recommendation;
import io.recsys.server.policy.ScoredItem;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserStateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fast learner behind the real feedback loop and log: a restart rebuilds it exactly. */
class FastLearnerRecoveryTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(6), 80, DIM);

  @TempDir Path logDir;

  /** What one server process holds of the loop. */
  private final class Process implements AutoCloseable {
    final OnlineLearningSettings settings = OnlineLearningSettings.defaults();
    final UserStateStore users = new UserStateStore(1_000, DIM);
    final ItemParameters items = new ItemParameters(settings, 0.1f, 11);
    final UserPosteriors posteriors = new UserPosteriors(settings.dimension(), settings.users());
    final FeedbackProcessor processor =
        new FeedbackProcessor(
            () -> CATALOG, users, new ReplayBuffer(10_000), Clock.systemUTC(), FeedbackSettings.defaults(),
            new OnlineLearner(() -> CATALOG, users, posteriors, items));
    final SegmentedFeedbackLog log;

    Process() throws Exception {
      log = SegmentedFeedbackLog.open(logDir, SegmentedFeedbackLog.Options.defaults(), processor::replay);
      processor.attach(log);
    }

    @Override
    public void close() {
      log.close();
      processor.close();
    }
  }

  @Test
  void aRestartRebuildsTheSameItemAndUserParametersFromTheLog() throws Exception {
    Random random = new Random(8);
    List<String> users = List.of("ann", "bob", "cy", "dee");
    ItemSpace before;
    long stepsBefore;
    List<double[]> posteriorsBefore = new ArrayList<>();
    try (Process first = new Process()) {
      for (int n = 0; n < 60; n++) {
        String user = users.get(random.nextInt(users.size()));
        Recommendation list = serve(first, "event-" + n, user, random);
        int position = random.nextInt(4);
        if (position < 3) {
          String item = list.items().get(position).itemId();
          FeedbackResult result =
              first.processor.submit(new Reaction(list.eventId(), user, item, ReactionType.CLICK, 0, 0)).get();
          assertThat(result.status()).isEqualTo(FeedbackResult.Status.ACCEPTED);
        }
      }
      // One last reaction: once it is applied, every list before it reached the learner too.
      Recommendation last = serve(first, "event-last", "ann", random);
      first.processor.submit(new Reaction(last.eventId(), "ann", last.items().get(0).itemId(), ReactionType.LIKE, 0, 0)).get();
      before = first.items.spaceFor(CATALOG);
      stepsBefore = first.items.updates();
      for (String user : users) {
        posteriorsBefore.add(first.users.stateOf(user).posterior().gram());
        posteriorsBefore.add(first.users.stateOf(user).posterior().moments());
      }
    }

    try (Process second = new Process()) {
      ItemSpace after = second.items.spaceFor(CATALOG);
      for (int row = 0; row < CATALOG.size(); row++) {
        assertThat(after.featuresOf(row, new double[after.dimension()]))
            .as("item row %d", row)
            .containsExactly(before.featuresOf(row, new double[before.dimension()]));
        assertThat(after.bias(row)).isEqualTo(before.bias(row));
      }
      for (int u = 0; u < users.size(); u++) {
        assertThat(second.users.stateOf(users.get(u)).posterior().gram()).containsExactly(posteriorsBefore.get(2 * u));
        assertThat(second.users.stateOf(users.get(u)).posterior().moments()).containsExactly(posteriorsBefore.get(2 * u + 1));
      }
      assertThat(second.items.updates()).isEqualTo(stepsBefore);
    }
  }

  private static Recommendation serve(Process process, String eventId, String user, Random random) {
    List<ScoredItem> items = new ArrayList<>();
    while (items.size() < 5) {
      String item = "item-" + random.nextInt(CATALOG.size());
      if (items.stream().noneMatch(s -> s.itemId().equals(item))) {
        items.add(new ScoredItem(item, 1f, 0.5f, items.size(), false));
      }
    }
    Recommendation recommendation = new Recommendation(eventId, user, items, "v1", 1);
    process.processor.served(recommendation, process.users.stateOf(user), process.users.stateOf(user).vector(), 0, DIM);
    return recommendation;
  }
}
