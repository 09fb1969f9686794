package io.recsys.server.policy;

/**
 * What one candidate's retrieval score is made of: the user's content state against the item's
 * content vector, the user's posterior mean against the item's learned features (what all users'
 * reactions taught), the item's bias (popularity prior and learned bias), and the confidence bonus.
 */
record ScoreParts(float content, float collaborative, float bias, float bonus) {}
