package io.recsys.server.api;

import io.grpc.MethodDescriptor;
import java.io.InputStream;

/**
 * Parses as the original marshaller does, but answers {@code null} for bytes that are not a
 * request. grpc-java hands the parsed value to the call's listener on the same thread right
 * after parsing, so the reason travels in a thread-local to {@link MalformedRequestGuard}.
 */
final class LenientMarshaller<T> implements MethodDescriptor.Marshaller<T> {
  private static final ThreadLocal<String> lastFailure = new ThreadLocal<>();
  private final MethodDescriptor.Marshaller<T> original;

  LenientMarshaller(MethodDescriptor.Marshaller<T> original) {
    this.original = original;
  }

  @Override
  public InputStream stream(T value) {
    return original.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    try {
      return original.parse(stream);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      lastFailure.set(String.valueOf(cause.getMessage()));
      return null;
    }
  }

  static String takeFailure() {
    String reason = lastFailure.get();
    lastFailure.remove();
    return reason == null ? "not a valid message" : reason;
  }
}
