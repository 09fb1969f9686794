package io.recsys.server.ops;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time (BouncyCastle): a CA, and leaf certificates it signs for the
 * server (localhost, 127.0.0.1) and for clients, written as PEM files, the key in PKCS#8 as gRPC's
 * Netty transport wants it. Nothing secret is committed, and nothing expires in the repository.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  /** A CA's certificate and key, and where its certificate was written. */
  public record Authority(X509Certificate certificate, KeyPair keys, Path certFile) {}

  /** A signed leaf: its certificate chain file and key file. */
  public record Leaf(Path certFile, Path keyFile) {}

  private TestCertificates() {}

  public static Authority authority(Path dir, String name) throws Exception {
    KeyPair keys = newKeys();
    X500Name subject = new X500Name("CN=" + name);
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(subject, serial(), notBefore(), notAfter(Duration.ofDays(1)), subject, keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer(keys)));
    return new Authority(certificate, keys, writePem(dir.resolve(name + "-ca.pem"), certificate));
  }

  /** A server certificate for localhost and 127.0.0.1. */
  public static Leaf server(Path dir, Authority ca) throws Exception {
    return leaf(dir, ca, "server", Duration.ofDays(1), Instant.now().minusSeconds(60));
  }

  public static Leaf client(Path dir, Authority ca, String name) throws Exception {
    return leaf(dir, ca, name, Duration.ofDays(1), Instant.now().minusSeconds(60));
  }

  /** A client certificate whose validity ended an hour ago. */
  public static Leaf expiredClient(Path dir, Authority ca, String name) throws Exception {
    return leaf(dir, ca, name, Duration.ofHours(1), Instant.now().minus(Duration.ofHours(3)));
  }

  private static Leaf leaf(Path dir, Authority ca, String name, Duration validity, Instant from) throws Exception {
    KeyPair keys = newKeys();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            ca.certificate(), serial(), Date.from(from), Date.from(from.plus(validity)), new X500Name("CN=" + name), keys.getPublic());
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer(ca.keys())));
    Path cert = writePem(dir.resolve(name + ".pem"), certificate);
    StringWriter key = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(key)) {
      pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
    }
    return new Leaf(cert, Files.writeString(dir.resolve(name + ".key"), key.toString()));
  }

  private static KeyPair newKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static ContentSigner signer(KeyPair keys) throws Exception {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
  }

  private static Path writePem(Path file, Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(object);
    }
    return Files.writeString(file, text.toString());
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minusSeconds(60));
  }

  private static Date notAfter(Duration validity) {
    return Date.from(Instant.now().plus(validity));
  }
}
