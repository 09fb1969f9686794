package io.recsys.server.api;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.recsys.v1.AdminServiceGrpc;
import io.recsys.v1.CatalogServiceGrpc;
import io.recsys.v1.FeedbackServiceGrpc;
import io.recsys.v1.RecommenderServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client that sends whatever bytes it is given, as a hostile or broken client would: grpc-java
 * with identity marshallers, so the server's parser is the first to see them.
 */
final class RawCalls {
  /** Every method the server exposes, ours and grpc's (health, reflection). */
  static List<MethodDescriptor<?, ?>> allMethods() {
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    for (ServiceDescriptor service :
        List.of(
            RecommenderServiceGrpc.getServiceDescriptor(),
            CatalogServiceGrpc.getServiceDescriptor(),
            FeedbackServiceGrpc.getServiceDescriptor(),
            AdminServiceGrpc.getServiceDescriptor(),
            HealthGrpc.getServiceDescriptor(),
            ServerReflectionGrpc.getServiceDescriptor())) {
      methods.addAll(service.getMethods());
    }
    return methods;
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
        .setFullMethodName(method.getFullMethodName())
        // The client side as a stream whatever the method: it may then send any number of
        // messages; the server goes by its own definition of the method.
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .build();
  }

  /** An open call: what the server sent, and its final status. */
  static final class Call {
    final ClientCall<byte[], byte[]> call;
    final BlockingQueue<byte[]> responses = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> status = new CompletableFuture<>();

    private Call(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    void send(byte[] message) {
      call.sendMessage(message);
    }

    void halfClose() {
      call.halfClose();
    }

    byte[] nextResponse() throws InterruptedException {
      return responses.poll(10, TimeUnit.SECONDS);
    }

    Status awaitStatus() throws Exception {
      return status.get(15, TimeUnit.SECONDS);
    }
  }

  static Call open(Channel channel, MethodDescriptor<?, ?> method, CallOptions options) {
    Call open = new Call(channel.newCall(raw(method), options));
    open.call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            open.responses.add(message);
            open.call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            open.status.complete(status);
          }
        },
        new Metadata());
    open.call.request(1);
    return open;
  }

  /** Sends the messages, half-closes, and waits for the status. */
  static Status call(Channel channel, MethodDescriptor<?, ?> method, byte[]... messages) throws Exception {
    Call open = open(channel, method, CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS));
    for (byte[] message : messages) {
      open.send(message);
    }
    open.halfClose();
    return open.awaitStatus();
  }

  private RawCalls() {}
}
