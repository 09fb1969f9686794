package io.recsys.server.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens the server accepts, from a file an operator rotates without a restart: one
 * token per line, optionally followed by the scopes it grants ({@code feedback}, {@code catalog},
 * {@code admin}, comma-separated; none or {@code *} grants all), {@code #} comments and blank lines
 * ignored:
 *
 * <pre>
 * # ingest service: reactions only
 * 9f2c...e1 feedback
 * # operators
 * 77ab...40 admin,catalog
 * </pre>
 *
 * The file is looked at again at most once a second, and re-read when its modification time or
 * size changed; a new version that does not parse is refused with an error in the log and the
 * tokens read before stay in force, so a half-written file never locks everyone out. Tokens are
 * held as SHA-256 digests and compared in constant time.
 */
public final class TokenFile {
  private static final Logger log = LoggerFactory.getLogger(TokenFile.class);
  /** Shorter secrets can be guessed; the file is refused at start, or when rotated. */
  static final int MIN_TOKEN_LENGTH = 16;
  private static final long RECHECK_NANOS = 1_000_000_000L;

  private record Grant(byte[] digest, Set<AccessScope> scopes) {}

  private record Version(List<Grant> grants, FileTime modified, long size) {}

  private final Path file;
  private volatile Version current;
  private volatile long checkedAt;

  private TokenFile(Path file, Version first) {
    this.file = file;
    this.current = first;
    this.checkedAt = System.nanoTime();
  }

  /** Reads the file; throws, naming the file and line, if it is missing or malformed. */
  public static TokenFile load(Path file) throws IOException {
    Version version = read(file);
    log.info("Bearer tokens: {} from {}", version.grants().size(), file);
    return new TokenFile(file, version);
  }

  /** The scopes {@code token} grants, empty for an unknown token. */
  public Set<AccessScope> scopesOf(String token) {
    refreshIfChanged();
    byte[] digest = sha256(token);
    Set<AccessScope> found = EnumSet.noneOf(AccessScope.class);
    // Every grant is compared, whatever matches, so the time taken says nothing about the tokens.
    for (Grant grant : current.grants()) {
      if (MessageDigest.isEqual(grant.digest(), digest)) {
        found.addAll(grant.scopes());
      }
    }
    return found;
  }

  private void refreshIfChanged() {
    long now = System.nanoTime();
    if (now - checkedAt < RECHECK_NANOS) {
      return;
    }
    synchronized (this) {
      if (now - checkedAt < RECHECK_NANOS) {
        return;
      }
      checkedAt = now;
      try {
        Version seen = current;
        if (Files.getLastModifiedTime(file).equals(seen.modified()) && Files.size(file) == seen.size()) {
          return;
        }
        current = read(file);
        log.info("Bearer tokens rotated: {} from {}", current.grants().size(), file);
      } catch (IOException | IllegalArgumentException e) {
        log.error("Token file {} could not be re-read; the previous tokens stay in force: {}", file, e.getMessage());
      }
    }
  }

  private static Version read(Path file) throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        grants.add(parse(line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("token file " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    if (grants.isEmpty()) {
      throw new IllegalArgumentException("token file " + file + " holds no token");
    }
    return new Version(List.copyOf(grants), modified, size);
  }

  private static Grant parse(String line) {
    String[] parts = line.split("\\s+", 2);
    String token = parts[0];
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException("a token must be at least " + MIN_TOKEN_LENGTH + " characters");
    }
    Set<AccessScope> scopes = EnumSet.noneOf(AccessScope.class);
    if (parts.length == 1 || parts[1].strip().equals("*")) {
      scopes = EnumSet.allOf(AccessScope.class);
    } else {
      for (String scope : parts[1].split(",")) {
        scopes.add(AccessScope.parse(scope));
      }
    }
    return new Grant(sha256(token), scopes);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
