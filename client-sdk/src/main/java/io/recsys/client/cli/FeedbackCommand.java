package io.recsys.client.cli;

import io.recsys.client.RecsysClient;
import io.recsys.v1.FeedbackAck;
import io.recsys.v1.FeedbackEvent;
import io.recsys.v1.FeedbackStatus;
import io.recsys.v1.FeedbackType;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code feedback --event E --user U --item I --type like}: one reaction to an item of a served list. */
@Command(
    name = "feedback",
    mixinStandardHelpOptions = true,
    description = {
      "Report a user's reaction to an item of a list the server served.",
      "The event id is the one 'recommend' printed for that list. The server counts an (event, item, type) once,"
          + " so sending it again answers DUPLICATE."
    })
final class FeedbackCommand implements Callable<Integer> {
  /** The reactions a person types; each is a {@link FeedbackType}. */
  enum Reaction {
    CLICK(FeedbackType.FEEDBACK_TYPE_CLICK),
    LIKE(FeedbackType.FEEDBACK_TYPE_LIKE),
    PURCHASE(FeedbackType.FEEDBACK_TYPE_PURCHASE),
    DISLIKE(FeedbackType.FEEDBACK_TYPE_DISLIKE),
    SKIP(FeedbackType.FEEDBACK_TYPE_SKIP),
    DWELL(FeedbackType.FEEDBACK_TYPE_DWELL);

    final FeedbackType type;

    Reaction(FeedbackType type) {
      this.type = type;
    }
  }

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--event", required = true, description = "Event id of the served list.")
  String eventId;

  @Option(names = "--user", required = true, description = "The user the list was served to.")
  String userId;

  @Option(names = "--item", required = true, description = "The item the user reacted to.")
  String itemId;

  @Option(
      names = "--type",
      defaultValue = "click",
      description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Reaction reaction;

  @Option(names = "--dwell-seconds", defaultValue = "0", description = "Seconds spent on the item (with --type dwell).")
  double dwellSeconds;

  @Override
  public Integer call() {
    if (reaction == Reaction.DWELL && dwellSeconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--type dwell needs --dwell-seconds > 0");
    }
    FeedbackEvent event =
        FeedbackEvent.newBuilder()
            .setEventId(eventId)
            .setUserId(userId)
            .setItemId(itemId)
            .setType(reaction.type)
            .setDwellSeconds(dwellSeconds)
            .build();
    try (RecsysClient client = connection.connect()) {
      FeedbackAck ack = client.reportFeedback(event);
      String what = reaction.name().toLowerCase(java.util.Locale.ROOT) + " on " + itemId + " of " + eventId;
      if (ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_REJECTED) {
        spec.commandLine().getErr().println("rejected: " + what + ": " + ack.getReason());
        return RecsysCli.REFUSED;
      }
      String status = ack.getStatus() == FeedbackStatus.FEEDBACK_STATUS_DUPLICATE ? "duplicate (counted before)" : "accepted";
      spec.commandLine().getOut().println(status + ": " + what);
      return 0;
    }
  }
}
