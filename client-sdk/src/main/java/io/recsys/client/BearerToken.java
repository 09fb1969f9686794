package io.recsys.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * The bearer token a client sends as {@code authorization: Bearer <token>}: a fixed string, or the
 * first line of a file, read again when the file's modification time changes (so a token rotated
 * on disk is used from the next call on, without restarting the client).
 */
final class BearerToken {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Supplier<String> token;

  private BearerToken(Supplier<String> token) {
    this.token = token;
  }

  static BearerToken of(String value) {
    String checked = checked(value, "token");
    return new BearerToken(() -> checked);
  }

  static BearerToken fromFile(Path file) {
    FileToken reader = new FileToken(file);
    reader.get(); // a missing or empty file fails here, when the client is built
    return new BearerToken(reader);
  }

  ClientInterceptor interceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(AUTHORIZATION, "Bearer " + token.get());
            super.start(listener, headers);
          }
        };
      }
    };
  }

  private static String checked(String value, String what) {
    if (value == null || value.isBlank() || value.strip().chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException(what + " must be printable ASCII without spaces");
    }
    return value.strip();
  }

  private static final class FileToken implements Supplier<String> {
    private final Path file;
    private FileTime readAt;
    private String value;

    FileToken(Path file) {
      this.file = file;
    }

    @Override
    public synchronized String get() {
      try {
        FileTime modified = Files.getLastModifiedTime(file);
        if (!modified.equals(readAt)) {
          String first = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
          value = checked(first, "the token in " + file);
          readAt = modified;
        }
        return value;
      } catch (IOException e) {
        if (value != null) {
          return value; // the file is being replaced: keep the token read before
        }
        throw new UncheckedIOException("cannot read the token file " + file, e);
      }
    }
  }
}
