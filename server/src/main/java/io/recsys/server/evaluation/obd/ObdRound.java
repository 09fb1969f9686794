package io.recsys.server.evaluation.obd;

/**
 * One logged impression of the Open Bandit Dataset: the behaviour policy put {@code item} in
 * {@code position} (1 to 3) with probability {@code propensity}, and it was clicked or not.
 */
public record ObdRound(int item, int position, boolean clicked, double propensity) {}
