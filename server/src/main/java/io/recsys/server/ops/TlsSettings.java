package io.recsys.server.ops;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS on the gRPC ports: a certificate chain and its private key (PEM, the key in PKCS#8), and,
 * for mutual TLS, the CA whose certificates clients must present. None: plaintext, for a server
 * behind a proxy that terminates TLS, or on a trusted network.
 */
public record TlsSettings(Optional<Path> certChain, Optional<Path> privateKey, Optional<Path> clientCa) {
  public static final TlsSettings PLAINTEXT = new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty());

  public TlsSettings {
    if (certChain.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("tls-cert and tls-key go together: give both or neither");
    }
    if (clientCa.isPresent() && certChain.isEmpty()) {
      throw new IllegalArgumentException("tls-client-ca needs tls-cert and tls-key: mutual TLS is TLS first");
    }
  }

  /** Null paths are absent. */
  public static TlsSettings of(Path certChain, Path privateKey, Path clientCa) {
    return new TlsSettings(Optional.ofNullable(certChain), Optional.ofNullable(privateKey), Optional.ofNullable(clientCa));
  }

  public boolean enabled() {
    return certChain.isPresent();
  }

  public boolean mutual() {
    return clientCa.isPresent();
  }

  /** The credentials the ports are opened with; a file that is missing or not PEM fails here, at start. */
  ServerCredentials credentials() throws IOException {
    if (!enabled()) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder tls =
        TlsServerCredentials.newBuilder().keyManager(readable("tls-cert", certChain.get()), readable("tls-key", privateKey.get()));
    if (clientCa.isPresent()) {
      tls.trustManager(readable("tls-client-ca", clientCa.get())).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return tls.build();
  }

  private static java.io.File readable(String setting, Path file) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(setting + ": cannot read " + file);
    }
    return file.toFile();
  }
}
