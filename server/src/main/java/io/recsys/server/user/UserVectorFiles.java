package io.recsys.server.user;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Reads users' starting state vectors: one line per user, {@code user_id,v1,...,vd}, with d the
 * catalog's dimension ({@code train} writes this as {@code user_vectors.csv}). A first line whose
 * first field is exactly {@code user_id} is a header. The file is checked whole before any state
 * changes: a malformed line fails the load with its line number.
 */
public final class UserVectorFiles {
  /** The longest user id the API accepts. */
  static final int MAX_USER_ID_LENGTH = 256;

  private UserVectorFiles() {}

  /** Puts every user's vector into {@code store}; returns how many users the file held. */
  public static int load(Path file, UserStateStore store) throws IOException {
    Set<String> seen = new HashSet<>();
    scan(file, store.dimension(), (userId, vector) -> {
      if (!seen.add(userId)) {
        throw new IllegalArgumentException("user '" + userId + "' appears twice");
      }
    });
    // Second pass: valid throughout, so the store changes only now, one user at a time.
    scan(file, store.dimension(), (userId, vector) -> store.put(userId, UserState.of(vector)));
    return seen.size();
  }

  private static void scan(Path file, int dimension, BiConsumer<String, float[]> user) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long line = 0;
      for (String row = reader.readLine(); row != null; row = reader.readLine()) {
        line++;
        String[] fields = row.split(",", -1);
        if (row.isBlank() || (line == 1 && fields[0].strip().equals("user_id"))) {
          continue;
        }
        try {
          user.accept(userId(fields[0]), vector(fields, dimension));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + ":" + line + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static String userId(String field) {
    String userId = field.strip();
    if (userId.isEmpty() || userId.length() > MAX_USER_ID_LENGTH) {
      throw new IllegalArgumentException("user_id must be 1 to " + MAX_USER_ID_LENGTH + " characters");
    }
    return userId;
  }

  private static float[] vector(String[] fields, int dimension) {
    if (fields.length != dimension + 1) {
      throw new IllegalArgumentException(
          "expected user_id and " + dimension + " values (the catalog's dimension), found " + (fields.length - 1) + " values");
    }
    float[] vector = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      try {
        vector[d] = Float.parseFloat(fields[d + 1].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("value #" + (d + 1) + " is not a number: '" + fields[d + 1] + "'");
      }
      if (!Float.isFinite(vector[d])) {
        throw new IllegalArgumentException("value #" + (d + 1) + " is not finite");
      }
    }
    return vector;
  }
}
