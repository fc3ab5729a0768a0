package dev.traceyard.collector.config.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.testing.TestConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TlsSettingsTest {
  private static final String TLS = "receivers.otlp.protocols.grpc.tls";

  private static TestConfig.Parsed<TlsServerSettings> server(String yaml) {
    return TestConfig.parse(yaml, TLS, TlsServerSettings::parse);
  }

  private static TestConfig.Parsed<TlsClientSettings> client(String yaml) {
    return TestConfig.parse(yaml, "exporters.otlp.tls", TlsClientSettings::parse);
  }

  @Test
  void serverCertAndKey_parseWithOtelcolDefaults() {
    var p = server("cert_file: /certs/server.pem\nkey_file: /certs/server-key.pem\n");

    assertThat(p.errors()).isEmpty();
    TlsServerSettings s = p.config();
    assertThat(s.path()).isEqualTo(TLS);
    assertThat(s.cert().file()).isEqualTo(Path.of("/certs/server.pem"));
    assertThat(s.cert().key()).isEqualTo(TLS + ".cert_file");
    assertThat(s.key().file()).isEqualTo(Path.of("/certs/server-key.pem"));
    assertThat(s.minVersion()).isEqualTo(TlsVersion.TLS_1_2);
    assertThat(s.maxVersion()).isNull();
    assertThat(s.requiresClientCertificate()).isFalse();
  }

  @Test
  void clientCaFile_requiresClientCertificates() {
    var p = server("cert_file: s.pem\nkey_file: k.pem\nclient_ca_file: ca.pem\nmin_version: \"1.3\"\n");

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().requiresClientCertificate()).isTrue();
    assertThat(p.config().clientCa().file()).isEqualTo(Path.of("ca.pem"));
    assertThat(p.config().minVersion()).isEqualTo(TlsVersion.TLS_1_3);
  }

  @Test
  void certWithoutKey_isAConfigError() {
    assertThat(server("cert_file: s.pem\n").errors())
        .containsExactly(TLS + ".key_file: is required when cert_file is set: provide both the certificate and its private key");
  }

  @Test
  void keyWithoutCert_isAConfigError() {
    assertThat(server("key_file: k.pem\n").errors())
        .containsExactly(TLS + ".cert_file: is required when key_file is set: provide both the certificate and its private key");
  }

  @Test
  void serverTlsWithoutCertificate_isAConfigError() {
    assertThat(server("client_ca_file: ca.pem\n").errors())
        .containsExactly(TLS + ".cert_file: is required to serve TLS (with key_file); remove the tls section to serve plain text");
  }

  @Test
  void fileAndPem_areExclusive() {
    var p = server("cert_file: s.pem\ncert_pem: \"-----BEGIN CERTIFICATE-----\"\nkey_file: k.pem\n");

    assertThat(p.errors()).contains(TLS + ".cert_pem: set either cert_file or cert_pem, not both");
  }

  @Test
  void oldTlsVersions_areRefusedWithReason() {
    assertThat(server("cert_file: s.pem\nkey_file: k.pem\nmin_version: \"1.1\"\n").errors())
        .containsExactly(TLS + ".min_version: TLS 1.1 is not supported (deprecated by RFC 8996 and disabled in Java); "
            + "use \"1.2\" or \"1.3\"");
    assertThat(server("cert_file: s.pem\nkey_file: k.pem\nmin_version: \"2.0\"\n").errors())
        .containsExactly(TLS + ".min_version: unknown TLS version '2.0' (expected \"1.2\" or \"1.3\")");
  }

  @Test
  void minVersionAboveMaxVersion_isAConfigError() {
    assertThat(server("cert_file: s.pem\nkey_file: k.pem\nmin_version: \"1.3\"\nmax_version: \"1.2\"\n").errors())
        .containsExactly(TLS + ".min_version: \"1.3\" is greater than max_version \"1.2\"");
  }

  @Test
  void unsupportedSettings_areRefusedWithReason() {
    var p = server(String.join("\n", "cert_file: s.pem", "key_file: k.pem", "reload_interval: 1h",
        "client_ca_file: ca.pem", "client_ca_file_reload: true", "cipher_suites: [TLS_AES_128_GCM_SHA256]",
        "curve_preferences: [X25519]"));

    assertThat(p.errors()).containsExactlyInAnyOrder(
        TLS + ".reload_interval: is not supported: certificates and keys are read once at start; "
            + "restart Traceyard to load renewed ones",
        TLS + ".client_ca_file_reload: is not supported: client_ca_file is read once at start",
        TLS + ".cipher_suites: is not supported: Traceyard uses the TLS stack's secure defaults",
        TLS + ".curve_preferences: is not supported: Traceyard uses the TLS stack's secure defaults");
  }

  @Test
  void zeroReloadInterval_isAccepted() {
    assertThat(server("cert_file: s.pem\nkey_file: k.pem\nreload_interval: 0s\n").errors()).isEmpty();
  }

  @Test
  void unknownKey_isReportedWithItsPath() {
    assertThat(server("cert_file: s.pem\nkey_file: k.pem\ncert_fil: x\n").errors())
        .singleElement().asString().startsWith(TLS + ".cert_fil: unknown key 'cert_fil'");
  }

  @Test
  void inlinePem_isNeverShownByToString() {
    String key = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
    var p = server("cert_pem: |\n  -----BEGIN CERTIFICATE-----\n  abc\n  -----END CERTIFICATE-----\nkey_pem: |\n"
        + key.lines().map(l -> "  " + l + "\n").reduce("", String::concat));

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().key().inline()).contains("TOP-SECRET-KEY-MATERIAL");
    assertThat(p.config().toString()).doesNotContain("TOP-SECRET").contains(TLS + ".key_pem=<inline PEM>");
  }

  @Test
  void absentClientSection_meansVerifiedTlsWithSystemCas() {
    var p = client("");

    assertThat(p.errors()).isEmpty();
    TlsClientSettings c = p.config();
    assertThat(c.insecure()).isFalse();
    assertThat(c.insecureSkipVerify()).isFalse();
    assertThat(c.ca()).isNull();
    assertThat(c.hasClientCertificate()).isFalse();
    assertThat(c.serverNameOverride()).isNull();
    assertThat(c.minVersion()).isEqualTo(TlsVersion.TLS_1_2);
  }

  @Test
  void everyClientKey_isRead() {
    var p = client(String.join("\n", "insecure: false", "insecure_skip_verify: true", "ca_file: ca.pem",
        "include_system_ca_certs_pool: true", "cert_file: c.pem", "key_file: k.pem",
        "server_name_override: collector.internal", "min_version: \"1.3\"", "max_version: \"1.3\""));

    assertThat(p.errors()).isEmpty();
    TlsClientSettings c = p.config();
    assertThat(c.insecureSkipVerify()).isTrue();
    assertThat(c.ca().file()).isEqualTo(Path.of("ca.pem"));
    assertThat(c.includeSystemCaCertsPool()).isTrue();
    assertThat(c.cert().file()).isEqualTo(Path.of("c.pem"));
    assertThat(c.key().file()).isEqualTo(Path.of("k.pem"));
    assertThat(c.serverNameOverride()).isEqualTo("collector.internal");
    assertThat(c.minVersion()).isEqualTo(TlsVersion.TLS_1_3);
    assertThat(c.maxVersion()).isEqualTo(TlsVersion.TLS_1_3);
  }

  @Test
  void clientCertWithoutKey_isAConfigError() {
    assertThat(client("cert_file: c.pem\n").errors())
        .containsExactly("exporters.otlp.tls.key_file: is required when cert_file is set: provide both the "
            + "certificate and its private key");
  }

  @Test
  void protocols_listNewestFirst() {
    assertThat(TlsVersion.protocols(TlsVersion.TLS_1_2, null)).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(TlsVersion.protocols(TlsVersion.TLS_1_3, null)).containsExactly("TLSv1.3");
    assertThat(TlsVersion.protocols(TlsVersion.TLS_1_2, TlsVersion.TLS_1_2)).containsExactly("TLSv1.2");
  }
}
