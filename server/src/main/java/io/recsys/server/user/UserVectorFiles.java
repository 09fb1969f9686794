package io.recsys.server.user;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads users' starting state vectors: one line per user, {@code user_id,v1,...,vd}, with d the
 * catalog's dimension ({@code train} writes this as {@code user_vectors.csv}). An optional first
 * line starting with {@code user_id} is a header. A malformed line fails the whole file with its
 * line number, before any state changes.
 */
public final class UserVectorFiles {
  private UserVectorFiles() {}

  /** Puts every user's vector into {@code store}; returns how many users the file held. */
  public static int load(Path file, UserStateStore store) throws IOException {
    Map<String, float[]> vectors = read(file, store.dimension());
    vectors.forEach((userId, vector) -> store.put(userId, UserState.of(vector)));
    return vectors.size();
  }

  static Map<String, float[]> read(Path file, int dimension) throws IOException {
    Map<String, float[]> vectors = new LinkedHashMap<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long line = 0;
      for (String row = reader.readLine(); row != null; row = reader.readLine()) {
        line++;
        if (row.isBlank() || (line == 1 && row.startsWith("user_id"))) {
          continue;
        }
        String[] fields = row.split(",", -1);
        String userId = fields[0].strip();
        if (userId.isEmpty()) {
          throw malformed(file, line, "user_id is empty");
        }
        if (fields.length != dimension + 1) {
          throw malformed(
              file, line, "expected user_id and " + dimension + " values (the catalog's dimension), found "
                  + (fields.length - 1) + " values");
        }
        float[] vector = new float[dimension];
        for (int d = 0; d < dimension; d++) {
          try {
            vector[d] = Float.parseFloat(fields[d + 1].strip());
          } catch (NumberFormatException e) {
            throw malformed(file, line, "value #" + (d + 1) + " is not a number: '" + fields[d + 1] + "'");
          }
          if (!Float.isFinite(vector[d])) {
            throw malformed(file, line, "value #" + (d + 1) + " is not finite");
          }
        }
        if (vectors.put(userId, vector) != null) {
          throw malformed(file, line, "user '" + userId + "' appears twice");
        }
      }
    }
    return vectors;
  }

  private static IllegalArgumentException malformed(Path file, long line, String problem) {
    return new IllegalArgumentException(file + ":" + line + ": " + problem);
  }
}
