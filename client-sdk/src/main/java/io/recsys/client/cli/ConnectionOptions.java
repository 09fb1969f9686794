package io.recsys.client.cli;

import io.recsys.client.RecsysClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Where the server is and how to reach it: shared by every command. */
final class ConnectionOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(
      names = "--target",
      defaultValue = "${env:RECSYS_TARGET:-localhost:50051}",
      description = "host:port of the server (default: $RECSYS_TARGET or localhost:50051).")
  String target;

  @Option(names = "--deadline-ms", defaultValue = "2000", description = "Deadline per call in ms (default: ${DEFAULT-VALUE}).")
  long deadlineMs;

  @Option(names = "--tls", description = "Use TLS, trusting the JVM's CA certificates.")
  boolean tls;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "Use TLS, trusting the CA certificates in this file.")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate chain for mutual TLS (with --tls-key and --tls-ca).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The client certificate's PKCS#8 private key.")
  Path tlsKey;

  @Option(
      names = "--token",
      defaultValue = "${env:RECSYS_TOKEN}",
      description = "Bearer token for feedback, upserts and admin calls (default: $RECSYS_TOKEN). Prefer --token-file: "
          + "a flag is visible to other users of the machine.")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Read the bearer token from this file's first line.")
  Path tokenFile;

  RecsysClient connect() {
    return connect(builder -> builder);
  }

  /** A client with these options, and what {@code adjust} changes on top (a command's own deadline). */
  RecsysClient connect(UnaryOperator<RecsysClient.Builder> adjust) {
    if (deadlineMs <= 0) {
      throw usage("--deadline-ms must be positive, got " + deadlineMs);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw usage("mutual TLS needs both --tls-cert and --tls-key");
    }
    if (tlsCert != null && tlsCa == null) {
      throw usage("mutual TLS needs --tls-ca, the CA that signed the server's certificate");
    }
    if (token != null && tokenFile != null) {
      throw usage("give --token or --token-file, not both");
    }
    RecsysClient.Builder builder = RecsysClient.builder(target).deadline(Duration.ofMillis(deadlineMs));
    try {
      if (tlsCert != null) {
        builder.mutualTls(tlsCa, tlsCert, tlsKey);
      } else if (tlsCa != null) {
        builder.tls(tlsCa);
      } else if (tls) {
        builder.useTransportSecurity();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw usage("bad TLS files: " + e.getMessage());
    }
    try {
      if (token != null && !token.isBlank()) {
        builder.token(token);
      } else if (tokenFile != null) {
        builder.tokenFile(tokenFile);
      }
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw usage(e.getMessage());
    }
    return adjust.apply(builder).build();
  }

  private ParameterException usage(String message) {
    return new ParameterException(command.commandLine(), message);
  }
}
