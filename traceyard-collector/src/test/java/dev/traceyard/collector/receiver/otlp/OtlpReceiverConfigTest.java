package dev.traceyard.collector.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.tls.TlsVersion;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.HostPort;
import dev.traceyard.collector.service.ServiceConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OtlpReceiverConfigTest {

  @Test
  void bothProtocolsWithoutSettings_getOtelcolDefaults() {
    OtlpReceiverConfig c = TestReceivers.config("protocols:\n  grpc:\n  http:\n");

    assertThat(c.grpc().endpoint()).isEqualTo(HostPort.of("localhost", 4317));
    assertThat(c.grpc().maxRecvMsgSizeMib()).isEqualTo(4);
    assertThat(c.grpc().maxRecvMsgSizeBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(c.grpc().maxConcurrentStreams()).isZero();
    assertThat(c.grpc().maxConnectionIdle()).isNull();
    assertThat(c.http().endpoint()).isEqualTo(HostPort.of("localhost", 4318));
    assertThat(c.http().maxRequestBodySize()).isEqualTo(20L * 1024 * 1024);
    assertThat(c.http().tracesUrlPath()).isEqualTo("/v1/traces");
    assertThat(c.http().metricsUrlPath()).isEqualTo("/v1/metrics");
    assertThat(c.http().logsUrlPath()).isEqualTo("/v1/logs");
    assertThat(c.http().cors().enabled()).isFalse();
  }

  @Test
  void onlyListedProtocolsAreConfigured() {
    OtlpReceiverConfig c = TestReceivers.config("protocols: {grpc: }");

    assertThat(c.grpc()).isNotNull();
    assertThat(c.http()).isNull();
  }

  @Test
  void everySupportedKey_isRead() {
    OtlpReceiverConfig c = TestReceivers.config(String.join("\n",
        "protocols:",
        "  grpc:",
        "    endpoint: 0.0.0.0:14317",
        "    transport: tcp",
        "    max_recv_msg_size_mib: 16",
        "    max_concurrent_streams: 100",
        "    keepalive:",
        "      server_parameters:",
        "        max_connection_idle: 11s",
        "        max_connection_age: 12s",
        "        max_connection_age_grace: 13s",
        "        time: 30s",
        "        timeout: 5s",
        "      enforcement_policy:",
        "        min_time: 10s",
        "        permit_without_stream: true",
        "  http:",
        "    endpoint: '[::1]:14318'",
        "    max_request_body_size: 1048576",
        "    traces_url_path: my/traces",
        "    metrics_url_path: /my/metrics",
        "    logs_url_path: /my/logs",
        "    cors:",
        "      allowed_origins: ['https://*.example.com', 'http://localhost:3000']",
        "      allowed_headers: [X-Tenant]",
        "      max_age: 7200"));

    assertThat(c.grpc().endpoint()).isEqualTo(HostPort.of("0.0.0.0", 14317));
    assertThat(c.grpc().maxRecvMsgSizeMib()).isEqualTo(16);
    assertThat(c.grpc().maxConcurrentStreams()).isEqualTo(100);
    assertThat(c.grpc().maxConnectionIdle()).isEqualTo(Duration.ofSeconds(11));
    assertThat(c.grpc().maxConnectionAge()).isEqualTo(Duration.ofSeconds(12));
    assertThat(c.grpc().keepaliveTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.http().endpoint()).isEqualTo(HostPort.of("::1", 14318));
    assertThat(c.http().maxRequestBodySize()).isEqualTo(1048576);
    assertThat(c.http().tracesUrlPath()).as("a leading slash is added, as otelcol does").isEqualTo("/my/traces");
    assertThat(c.http().metricsUrlPath()).isEqualTo("/my/metrics");
    assertThat(c.http().cors().allowedOrigins()).containsExactly("https://*.example.com", "http://localhost:3000");
    assertThat(c.http().cors().allowedHeaders()).containsExactly("X-Tenant");
    assertThat(c.http().cors().maxAgeSeconds()).isEqualTo(7200);
  }

  @Test
  void admissionLimit_isReadPerProtocolAndOffByDefault() {
    OtlpReceiverConfig c = TestReceivers.config(
        "protocols:\n  grpc:\n    admission: {request_limit_mib: 64}\n  http:\n");
    assertThat(c.grpc().admission().requestLimitBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(c.http().admission().enabled()).isFalse();
  }

  @Test
  void badAdmissionSettings_areReportedWithTheirPath() {
    assertThat(TestReceivers.errors("protocols:\n  http:\n    admission: {request_limit_mib: -1}\n"))
        .singleElement().asString()
        .contains("receivers.otlp.protocols.http.admission.request_limit_mib");
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n    admission: {waiting_limit_mib: 8}\n"))
        .singleElement().asString()
        .contains("receivers.otlp.protocols.grpc.admission.waiting_limit_mib");
  }

  @Test
  void unknownKey_isReportedWithItsPath() {
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n    endpont: localhost:4317\n"))
        .singleElement().asString()
        .startsWith("receivers.otlp.protocols.grpc.endpont: unknown key 'endpont'")
        .contains("endpoint");
  }

  @Test
  void tlsAndAuth_areReadUnderEachProtocol() {
    OtlpReceiverConfig c = TestReceivers.config(String.join("\n",
        "protocols:",
        "  grpc:",
        "    tls: {cert_file: /c/server.pem, key_file: /c/server-key.pem, client_ca_file: /c/ca.pem}",
        "    auth: {authenticator: bearertokenauth}",
        "  http:",
        "    tls: {cert_file: /c/server.pem, key_file: /c/server-key.pem, min_version: \"1.3\"}",
        "    auth: {authenticator: basicauth/server}"));

    assertThat(c.grpc().tls().path()).isEqualTo("receivers.otlp.protocols.grpc.tls");
    assertThat(c.grpc().tls().requiresClientCertificate()).isTrue();
    assertThat(c.grpc().auth().authenticator()).isEqualTo(ComponentId.of("bearertokenauth"));
    assertThat(c.grpc().auth().path()).isEqualTo("receivers.otlp.protocols.grpc.auth");
    assertThat(c.http().tls().minVersion()).isEqualTo(TlsVersion.TLS_1_3);
    assertThat(c.http().tls().requiresClientCertificate()).isFalse();
    assertThat(c.http().auth().authenticator()).isEqualTo(ComponentId.parse("basicauth/server"));
  }

  @Test
  void withoutTlsAndAuth_protocolsArePlainAndOpen() {
    OtlpReceiverConfig c = TestReceivers.config("protocols: {grpc: , http: }");

    assertThat(c.grpc().tls()).isNull();
    assertThat(c.grpc().auth()).isNull();
    assertThat(c.http().tls()).isNull();
    assertThat(c.http().auth()).isNull();
  }

  @Test
  void tlsCertWithoutKey_isAConfigErrorNamingThePath() {
    assertThat(TestReceivers.errors("protocols:\n  http:\n    tls: {cert_file: a.pem}\n"))
        .containsExactly("receivers.otlp.protocols.http.tls.key_file: is required when cert_file is set: provide "
            + "both the certificate and its private key");
  }

  @Test
  void tlsReloadInterval_isRefusedAsUnsupported() {
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n    tls: {cert_file: a.pem, key_file: b.pem, "
        + "reload_interval: 10m}\n"))
        .containsExactly("receivers.otlp.protocols.grpc.tls.reload_interval: is not supported: certificates and "
            + "keys are read once at start; restart Traceyard to load renewed ones");
  }

  @Test
  void authWithoutAuthenticator_isAConfigError() {
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n    auth: {}\n"))
        .containsExactly("receivers.otlp.protocols.grpc.auth.authenticator: is required");
  }

  @Test
  void unknownProtocol_isReported() {
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n  thrift:\n"))
        .singleElement().asString().startsWith("receivers.otlp.protocols.thrift: unknown key 'thrift'");
  }

  @Test
  void badEndpoint_isReported() {
    assertThat(TestReceivers.errors("protocols:\n  grpc:\n    endpoint: localhost\n"))
        .containsExactly("receivers.otlp.protocols.grpc.endpoint: invalid endpoint 'localhost': expected host:port, e.g. localhost:4317");
    assertThat(TestReceivers.errors("protocols:\n  http:\n    endpoint: localhost:99999\n"))
        .singleElement().asString().startsWith("receivers.otlp.protocols.http.endpoint: invalid endpoint");
  }

  @Test
  void noProtocols_isAnError() {
    assertThat(TestReceivers.errors("{}"))
        .singleElement().asString().startsWith("receivers.otlp.protocols: is required");
    assertThat(TestReceivers.errors("protocols:\n"))
        .containsExactly("receivers.otlp.protocols: must enable at least one protocol: grpc and/or http");
    assertThat(TestReceivers.errors("protocols: {}\n"))
        .containsExactly("receivers.otlp.protocols: must enable at least one protocol: grpc and/or http");
  }

  @Test
  void outOfRangeValues_areReported() {
    assertThat(TestReceivers.errors(String.join("\n",
        "protocols:",
        "  grpc:",
        "    max_recv_msg_size_mib: 0",
        "    max_concurrent_streams: -1",
        "    transport: unix",
        "    keepalive: {server_parameters: {time: -5s}}",
        "  http:",
        "    max_request_body_size: 0",
        "    cors: {max_age: -1}")))
        .hasSize(6)
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.grpc.max_recv_msg_size_mib: must be between 1 and"))
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.grpc.max_concurrent_streams: must be between 0 and"))
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.grpc.transport: unknown value 'unix'"))
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.grpc.keepalive.server_parameters.time: must not be negative"))
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.http.max_request_body_size: must be between 1 and"))
        .anySatisfy(e -> assertThat(e).startsWith("receivers.otlp.protocols.http.cors.max_age: must be between 0 and"));
  }

  @Test
  void duplicateOrInvalidUrlPaths_areReported() {
    assertThat(TestReceivers.errors("protocols:\n  http:\n    logs_url_path: /v1/traces\n    metrics_url_path: '/a b'\n"))
        .containsExactlyInAnyOrder(
            "receivers.otlp.protocols.http.logs_url_path: path '/v1/traces' is already used by traces_url_path",
            "receivers.otlp.protocols.http.metrics_url_path: invalid URL path '/a b': use only URL path characters (no spaces, '?' or '#')");
  }

  @Test
  void samePortForBothProtocols_isReported() {
    assertThat(TestReceivers.errors("protocols:\n  grpc: {endpoint: '0.0.0.0:5000'}\n  http: {endpoint: 'localhost:5000'}\n"))
        .singleElement().asString().startsWith("receivers.otlp.protocols.http.endpoint: port 5000 is already used");
  }

  @Test
  void builtInRegistry_knowsTheOtlpReceiver() throws Exception {
    ObjectNode root = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpont: localhost:4317",
        "service:",
        "  pipelines: {}"));

    assertThatThrownBy(() -> ServiceConfig.parse(root, Components.builtIn()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
            .anySatisfy(m -> assertThat(m).startsWith("receivers.otlp.protocols.grpc.endpont: unknown key 'endpont'")));
  }
}
