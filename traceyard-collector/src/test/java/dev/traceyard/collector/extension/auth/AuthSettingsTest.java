package dev.traceyard.collector.extension.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.testing.TestConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthSettingsTest {
  private static final String PATH = "receivers.otlp.protocols.grpc.auth";

  private static TestConfig.Parsed<AuthSettings> parse(String yaml) {
    return TestConfig.parse(yaml, PATH, AuthSettings::parse);
  }

  private static final class Both implements Extension, ServerAuthenticator, ClientAuthenticator {
    @Override
    public AuthResult authenticate(Map<String, String> headers) {
      return AuthResult.ok();
    }

    @Override
    public Map<String, String> headers() {
      return Map.of();
    }
  }

  private static final class NotAnAuthenticator implements Extension {}

  private static Host host(Map<ComponentId, Extension> extensions) {
    return id -> Optional.ofNullable(extensions.get(id));
  }

  @Test
  void authenticator_isParsedAsComponentId() {
    var p = parse("authenticator: bearertokenauth/ingest");

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().authenticator()).isEqualTo(ComponentId.parse("bearertokenauth/ingest"));
    assertThat(p.config().path()).isEqualTo(PATH);
  }

  @Test
  void missingOrInvalidAuthenticator_isAConfigError() {
    assertThat(parse("{}").errors()).containsExactly(PATH + ".authenticator: is required");
    assertThat(parse("authenticator: \"bad id/\"").errors()).singleElement().asString()
        .startsWith(PATH + ".authenticator: invalid component id 'bad id/'");
  }

  @Test
  void runningAuthenticator_isFound() {
    Both ext = new Both();
    AuthSettings s = parse("authenticator: bearertokenauth").config();
    Host host = host(Map.of(ComponentId.of("bearertokenauth"), ext));

    assertThat(s.server(host)).isSameAs(ext);
    assertThat(s.client(host)).isSameAs(ext);
  }

  @Test
  void missingExtension_failsNamingThePath() {
    AuthSettings s = parse("authenticator: bearertokenauth/x").config();

    assertThatThrownBy(() -> s.server(host(Map.of()))).hasMessage(PATH + ".authenticator: extension "
        + "'bearertokenauth/x' is not running: define it under extensions and list it in service.extensions");
  }

  @Test
  void extensionThatIsNotAnAuthenticator_failsNamingThePath() {
    AuthSettings s = parse("authenticator: health_check").config();

    assertThatThrownBy(() -> s.server(host(Map.of(ComponentId.of("health_check"), new NotAnAuthenticator()))))
        .hasMessage(PATH + ".authenticator: extension 'health_check' cannot authenticate incoming requests "
            + "(NotAnAuthenticator is not an authenticator)");
  }

  @Test
  void constantTimeEquals_comparesContent() {
    assertThat(Secrets.constantTimeEquals("abc", "abc")).isTrue();
    assertThat(Secrets.constantTimeEquals("abc", "abd")).isFalse();
    assertThat(Secrets.constantTimeEquals("abc", "abcd")).isFalse();
    assertThat(Secrets.constantTimeEquals(null, "abc")).isFalse();
  }
}
