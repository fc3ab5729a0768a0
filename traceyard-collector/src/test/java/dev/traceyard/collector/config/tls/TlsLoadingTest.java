package dev.traceyard.collector.config.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.testing.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class TlsLoadingTest {
  private static final Logger LOG = LoggerFactory.getLogger(TlsLoadingTest.class);
  private static final String TLS = "receivers.otlp.protocols.http.tls";
  private static TestCertificates certs;

  @TempDir
  Path tmp;

  @BeforeAll
  static void generate() {
    certs = TestCertificates.get();
  }

  private static PemSource file(String key, Path p) {
    return PemSource.ofFile(TLS + "." + key, p);
  }

  private static TlsServerSettings server(Path cert, Path key, Path clientCa) {
    return new TlsServerSettings(TLS, file("cert_file", cert), file("key_file", key),
        null, clientCa == null ? null : file("client_ca_file", clientCa), TlsVersion.TLS_1_2, null);
  }

  @Test
  void generatedCertificates_loadForServerAndClient() {
    ServerTls s = ServerTls.load(server(certs.server.cert(), certs.server.key(), certs.caCert), LOG);
    assertThat(s.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=localhost");

    TlsClientSettings cs = new TlsClientSettings("exporters.otlp.tls", false, false, file("ca_file", certs.caCert),
        false, file("cert_file", certs.client.cert()), file("key_file", certs.client.key()), null,
        TlsVersion.TLS_1_2, null);
    ClientTls c = ClientTls.load(cs, LOG);
    assertThat(c.trustedCertificates()).hasSize(1);
    assertThat(c.clientKeyPair()).isNotNull();
  }

  @Test
  void missingCertFile_failsNamingTheKeyAndPath() {
    Path missing = tmp.resolve("nope.pem");

    assertThatThrownBy(() -> ServerTls.load(server(missing, certs.server.key(), null), LOG))
        .isInstanceOf(TlsException.class)
        .hasMessage(TLS + ".cert_file: cannot read " + missing + ": no such file");
  }

  @Test
  void missingClientCaFile_failsNamingTheKeyAndPath() {
    Path missing = tmp.resolve("ca.pem");

    assertThatThrownBy(() -> ServerTls.load(server(certs.server.cert(), certs.server.key(), missing), LOG))
        .hasMessage(TLS + ".client_ca_file: cannot read " + missing + ": no such file");
  }

  @Test
  void directoryInsteadOfFile_failsClearly() {
    assertThatThrownBy(() -> ServerTls.load(server(tmp, certs.server.key(), null), LOG))
        .hasMessage(TLS + ".cert_file: cannot read " + tmp + ": is a directory");
  }

  @Test
  void fileWithoutCertificate_failsClearly() throws Exception {
    Path junk = Files.writeString(tmp.resolve("junk.pem"), "hello\n");

    assertThatThrownBy(() -> ServerTls.load(server(junk, certs.server.key(), null), LOG))
        .hasMessage(TLS + ".cert_file: no PEM certificate found in " + junk
            + " (expected a -----BEGIN CERTIFICATE----- block)");
  }

  @Test
  void certificateAsKey_failsClearly() {
    assertThatThrownBy(() -> ServerTls.load(server(certs.server.cert(), certs.server.cert(), null), LOG))
        .hasMessageStartingWith(TLS + ".key_file: no PEM private key found in " + certs.server.cert());
  }

  @Test
  void keyOfAnotherCertificate_failsClearly() {
    assertThatThrownBy(() -> ServerTls.load(server(certs.server.cert(), certs.client.key(), null), LOG))
        .hasMessage(TLS + ".key_file: the private key in " + certs.client.key() + " does not match the certificate in "
            + certs.server.cert() + " (" + TLS + ".cert_file)");
  }

  @Test
  void encryptedKey_isRefusedWithHint() throws Exception {
    Path key = Files.writeString(tmp.resolve("enc.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> Pem.privateKey(file("key_file", key)))
        .hasMessageContaining(TLS + ".key_file: the private key in " + key + " is encrypted")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void pkcs1RsaKey_isAccepted() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    byte[] pkcs1 = lastTlvContent(kp.getPrivate().getEncoded()); // PKCS#8's OCTET STRING holds PKCS#1
    Path key = Files.writeString(tmp.resolve("rsa.pem"), TestCertificates.pem("RSA PRIVATE KEY", pkcs1));

    PrivateKey parsed = Pem.privateKey(file("key_file", key));

    assertThat(parsed.getAlgorithm()).isEqualTo("RSA");
    assertThat(parsed.getEncoded()).isEqualTo(kp.getPrivate().getEncoded());
  }

  @Test
  void sec1EcKeyWithCurve_isAccepted() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    byte[] sec1 = lastTlvContent(kp.getPrivate().getEncoded()); // SEQUENCE {1, OCTET STRING d}
    byte[] seqContent = tlvContent(sec1);
    byte[] p256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
    ByteArrayOutputStream withCurve = new ByteArrayOutputStream();
    withCurve.writeBytes(seqContent);
    withCurve.write(0xa0);
    withCurve.write(p256.length);
    withCurve.writeBytes(p256);
    byte[] content = withCurve.toByteArray();
    ByteArrayOutputStream der = new ByteArrayOutputStream();
    der.write(0x30);
    der.write(content.length);
    der.writeBytes(content);
    Path key = Files.writeString(tmp.resolve("ec.pem"),
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + TestCertificates.pem("EC PRIVATE KEY", der.toByteArray()));

    PrivateKey parsed = Pem.privateKey(file("key_file", key));

    assertThat(((ECPrivateKey) parsed).getS()).isEqualTo(((ECPrivateKey) kp.getPrivate()).getS());
  }

  @Test
  void serverCaFileWithoutClientCa_loadsButDoesNotRequireClientCertificates() {
    TlsServerSettings s = new TlsServerSettings(TLS, file("cert_file", certs.server.cert()),
        file("key_file", certs.server.key()), file("ca_file", certs.caCert), null, TlsVersion.TLS_1_2, null);

    assertThat(ServerTls.load(s, LOG).toString()).contains("mtls=false");
  }

  /** The content of the last TLV inside a DER SEQUENCE. */
  private static byte[] lastTlvContent(byte[] der) {
    byte[] content = tlvContent(der);
    int pos = 0;
    byte[] last = null;
    while (pos < content.length) {
      int[] h = header(content, pos);
      last = Arrays.copyOfRange(content, h[0], h[0] + h[1]);
      pos = h[0] + h[1];
    }
    return last;
  }

  private static byte[] tlvContent(byte[] der) {
    int[] h = header(der, 0);
    return Arrays.copyOfRange(der, h[0], h[0] + h[1]);
  }

  private static int[] header(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[start + i] & 0xff);
      }
      start += n;
    }
    return new int[] {start, len};
  }
}
