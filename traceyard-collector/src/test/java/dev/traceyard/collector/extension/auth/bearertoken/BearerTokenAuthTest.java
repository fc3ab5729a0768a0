package dev.traceyard.collector.extension.auth.bearertoken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.extension.auth.AuthResult;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenAuthTest {
  private static final String PATH = "extensions.bearertokenauth";

  @TempDir
  Path tmp;

  private static TestConfig.Parsed<BearerTokenAuthConfig> parse(String yaml) {
    return TestConfig.parse(yaml, PATH, new BearerTokenAuthExtensionFactory()::parseConfig);
  }

  private static BearerTokenAuthExtension extension(String yaml) {
    var p = parse(yaml);
    assertThat(p.errors()).isEmpty();
    return (BearerTokenAuthExtension) new BearerTokenAuthExtensionFactory().create(
        new ComponentSettings(ComponentId.of("bearertokenauth"), ComponentKind.EXTENSION, SelfTelemetry.forTesting()),
        p.config());
  }

  private static AuthResult auth(BearerTokenAuthExtension e, String header, String value) {
    return e.authenticate(Map.of(header, value));
  }

  @Test
  void token_defaultsToBearerSchemeInTheAuthorizationHeader() {
    var p = parse("token: s3cret-token");

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().scheme()).isEqualTo("Bearer");
    assertThat(p.config().header()).isEqualTo("Authorization");
    assertThat(p.config().tokens()).containsExactly("s3cret-token");
  }

  @Test
  void noTokenNorFilename_isAConfigError() {
    assertThat(parse("scheme: Bearer").errors()).containsExactly(PATH + ": set token, tokens or filename");
  }

  @Test
  void emptyToken_isAConfigError() {
    assertThat(parse("token: \"\"").errors()).containsExactly(PATH + ".token: must not be empty");
  }

  @Test
  void tokenAndFilename_isAConfigError() {
    assertThat(parse("token: abc\nfilename: /run/token").errors())
        .containsExactly(PATH + ".filename: set either filename or token(s), not both");
  }

  @Test
  void tokenWithWhitespace_isAConfigErrorThatDoesNotQuoteIt() {
    var errors = parse("token: \"abc def-SECRET\"").errors();

    assertThat(errors).containsExactly(PATH + ".token: the token contains whitespace or control characters (character 4)");
    assertThat(String.join("\n", errors)).doesNotContain("SECRET");
  }

  @Test
  void invalidHeaderName_isAConfigError() {
    assertThat(parse("token: abc\nheader: \"X Bad\"").errors())
        .containsExactly(PATH + ".header: is not a valid header name: 'X Bad'");
  }

  @Test
  void rightToken_isAccepted_withTheSchemeInAnyCase() {
    BearerTokenAuthExtension e = extension("token: s3cret-token");

    assertThat(auth(e, "authorization", "Bearer s3cret-token").authenticated()).isTrue();
    assertThat(auth(e, "authorization", "bearer s3cret-token").authenticated()).isTrue();
  }

  @Test
  void wrongOrMissingCredentials_areDeniedWithReasonsThatNeverQuoteTokens() {
    BearerTokenAuthExtension e = extension("token: s3cret-token");

    assertThat(auth(e, "authorization", "Bearer s3cret-tokeX"))
        .isEqualTo(AuthResult.denied("invalid Bearer token in the Authorization header"));
    assertThat(auth(e, "authorization", "Bearer s3cret-token-and-more").authenticated()).isFalse();
    assertThat(auth(e, "authorization", "Basic s3cret-token"))
        .isEqualTo(AuthResult.denied("the Authorization header does not use the Bearer scheme"));
    assertThat(e.authenticate(Map.of())).isEqualTo(AuthResult.denied("missing Authorization header"));
    assertThat(auth(e, "authorization", "s3cret-token").authenticated()).isFalse();
  }

  @Test
  void customHeaderAndEmptyScheme_carryTheBareToken() {
    BearerTokenAuthExtension e = extension("token: abc123\nscheme: \"\"\nheader: X-Api-Key");

    assertThat(auth(e, "x-api-key", "abc123").authenticated()).isTrue();
    assertThat(auth(e, "x-api-key", "Bearer abc123").authenticated()).isFalse();
    assertThat(e.headers()).isEqualTo(Map.of("X-Api-Key", "abc123"));
    assertThat(e.challenge()).isNull();
  }

  @Test
  void severalTokens_anyIsAccepted_andClientsSendTheFirst() {
    BearerTokenAuthExtension e = extension("tokens: [first, second]");

    assertThat(auth(e, "authorization", "Bearer first").authenticated()).isTrue();
    assertThat(auth(e, "authorization", "Bearer second").authenticated()).isTrue();
    assertThat(auth(e, "authorization", "Bearer third").authenticated()).isFalse();
    assertThat(e.headers()).isEqualTo(Map.of("Authorization", "Bearer first"));
    assertThat(e.challenge()).isEqualTo("Bearer realm=\"traceyard\"");
  }

  @Test
  void tokenFile_isReadAtStartAndReloadedWhenItChanges() throws Exception {
    Path file = Files.writeString(tmp.resolve("token"), "old-token\n");
    BearerTokenAuthExtension e = extension("filename: " + file);
    e.start(id -> java.util.Optional.empty());
    try {
      assertThat(auth(e, "authorization", "Bearer old-token").authenticated()).isTrue();
      assertThat(e.headers()).isEqualTo(Map.of("Authorization", "Bearer old-token"));

      Files.writeString(file.resolveSibling("token.tmp"), "new-token\n");
      Files.move(file.resolveSibling("token.tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

      await().atMost(Duration.ofSeconds(30))
          .until(() -> auth(e, "authorization", "Bearer new-token").authenticated());
      assertThat(auth(e, "authorization", "Bearer old-token").authenticated()).isFalse();
      assertThat(e.headers()).isEqualTo(Map.of("Authorization", "Bearer new-token"));
    } finally {
      e.shutdown();
    }
  }

  @Test
  void tokenFileEmptiedAfterStart_keepsTheLastGoodToken() throws Exception {
    Path file = Files.writeString(tmp.resolve("token"), "good-token");
    BearerTokenAuthExtension e = extension("filename: " + file);
    e.start(id -> java.util.Optional.empty());
    try {
      Files.writeString(file, "");
      Files.delete(file);
      // Give the poller a few rounds; the token must stay in force throughout.
      await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(30))
          .until(() -> auth(e, "authorization", "Bearer good-token").authenticated());
    } finally {
      e.shutdown();
    }
  }

  @Test
  void missingTokenFile_failsTheStartNamingTheKeyAndPath() {
    Path missing = tmp.resolve("missing-token");
    BearerTokenAuthExtension e = extension("filename: " + missing);

    assertThatThrownBy(() -> e.start(id -> java.util.Optional.empty()))
        .hasMessage(PATH + ".filename: cannot read " + missing + ": no such file");
  }

  @Test
  void emptyTokenFile_failsTheStart() throws Exception {
    Path file = Files.writeString(tmp.resolve("token"), "\n\n");
    BearerTokenAuthExtension e = extension("filename: " + file);

    assertThatThrownBy(() -> e.start(id -> java.util.Optional.empty()))
        .hasMessage(PATH + ".filename: " + file + ": contains no token");
  }

  @Test
  void toString_neverShowsTokens() {
    var p = parse("tokens: [TOPSECRET1, TOPSECRET2]");
    BearerTokenAuthExtension e = extension("tokens: [TOPSECRET1, TOPSECRET2]");

    assertThat(p.config().toString()).doesNotContain("TOPSECRET").contains("<redacted>");
    assertThat(e.toString()).doesNotContain("TOPSECRET");
  }
}
