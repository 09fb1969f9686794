package io.recsys.server.feedback;

import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.storage.snapshot.CandidateListEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import io.recsys.server.storage.snapshot.TransitionEntry;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay buffer in a snapshot, oldest transition first. The transitions of one list share its
 * retrieval candidates (often hundreds of ids), so each list of candidates is written once and
 * referred to by number.
 */
final class ReplayBufferSnapshots implements SnapshotPart {
  private final ReplayBuffer buffer;
  /** Candidate lists read so far in the snapshot being restored, by number. */
  private final Map<Integer, List<String>> restoredCandidates = new HashMap<>();

  ReplayBufferSnapshots(ReplayBuffer buffer) {
    this.buffer = buffer;
  }

  @Override
  public Saved capture() {
    List<Transition> transitions = buffer.snapshot();
    return out -> {
      Map<List<String>, Integer> written = new IdentityHashMap<>();
      for (Transition transition : transitions) {
        Integer list = written.get(transition.candidates());
        if (list == null) {
          list = written.size();
          written.put(transition.candidates(), list);
          out.accept(SnapshotEntry.newBuilder()
              .setCandidateList(CandidateListEntry.newBuilder().setId(list).addAllItemIds(transition.candidates()))
              .build());
        }
        out.accept(SnapshotEntry.newBuilder().setTransition(entryOf(transition, list)).build());
      }
    };
  }

  @Override
  public boolean restore(SnapshotEntry entry) {
    if (entry.hasCandidateList()) {
      restoredCandidates.put(entry.getCandidateList().getId(), List.copyOf(entry.getCandidateList().getItemIdsList()));
      return true;
    }
    if (!entry.hasTransition()) {
      return false;
    }
    TransitionEntry saved = entry.getTransition();
    List<String> candidates = restoredCandidates.getOrDefault(saved.getCandidateList(), List.of(saved.getItemId()));
    buffer.add(new Transition(
        saved.getEventId(), saved.getState(), saved.getItemId(), saved.getPosition(), saved.getReward(), saved.getNextState(),
        candidates, saved.getPropensity(), saved.getModelVersion(), saved.getTimeMicros(), saved.getUserId()));
    return true;
  }

  private static TransitionEntry entryOf(Transition transition, int candidateList) {
    return TransitionEntry.newBuilder()
        .setEventId(transition.eventId())
        .setState(transition.state())
        .setItemId(transition.itemId())
        .setPosition(transition.position())
        .setReward(transition.reward())
        .setNextState(transition.nextState())
        .setCandidateList(candidateList)
        .setPropensity(transition.propensity())
        .setModelVersion(transition.modelVersion())
        .setTimeMicros(transition.timeMicros())
        .setUserId(transition.userId())
        .build();
  }
}
