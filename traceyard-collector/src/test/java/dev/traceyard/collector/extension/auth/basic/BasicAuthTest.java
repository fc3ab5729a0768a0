package dev.traceyard.collector.extension.auth.basic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.extension.auth.AuthResult;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import dev.traceyard.collector.extension.auth.ServerAuthenticator;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import dev.traceyard.collector.testing.TestConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicAuthTest {
  private static final String PATH = "extensions.basicauth/server";
  // {SHA} of "password" as written by htpasswd -s
  private static final String SHA_OF_PASSWORD = "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=";

  @TempDir
  Path tmp;

  private static TestConfig.Parsed<BasicAuthConfig> parse(String yaml) {
    return TestConfig.parse(yaml, PATH, new BasicAuthExtensionFactory()::parseConfig);
  }

  private static Extension extension(String yaml) {
    var p = parse(yaml);
    assertThat(p.errors()).isEmpty();
    return new BasicAuthExtensionFactory().create(new ComponentSettings(ComponentId.parse("basicauth/server"),
        ComponentKind.EXTENSION, SelfTelemetry.forTesting()), p.config());
  }

  private static AuthResult login(Extension e, String user, String password) {
    String creds = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return ((ServerAuthenticator) e).authenticate(Map.of("authorization", "Basic " + creds));
  }

  @Test
  void inlineUsers_withPlainAndShaPasswords_authenticate() {
    Extension e = extension("htpasswd:\n  inline: |\n    alice:s3cret:with:colons\n    # a comment\n\n    bob:"
        + SHA_OF_PASSWORD + "\n");

    assertThat(e).isInstanceOf(ServerAuthenticator.class).isNotInstanceOf(ClientAuthenticator.class);
    assertThat(login(e, "alice", "s3cret:with:colons").authenticated()).isTrue();
    assertThat(login(e, "bob", "password").authenticated()).isTrue();
  }

  @Test
  void wrongPasswordAndUnknownUser_getTheSameAnswer() {
    Extension e = extension("htpasswd:\n  inline: \"alice:s3cret\"\n");

    assertThat(login(e, "alice", "wrong")).isEqualTo(AuthResult.denied("invalid username or password"));
    assertThat(login(e, "mallory", "s3cret")).isEqualTo(AuthResult.denied("invalid username or password"));
  }

  @Test
  void malformedHeaders_areDenied() {
    ServerAuthenticator e = (ServerAuthenticator) extension("htpasswd:\n  inline: \"alice:s3cret\"\n");

    assertThat(e.authenticate(Map.of())).isEqualTo(AuthResult.denied("missing Authorization header"));
    assertThat(e.authenticate(Map.of("authorization", "Bearer abc")))
        .isEqualTo(AuthResult.denied("the Authorization header does not use the Basic scheme"));
    assertThat(e.authenticate(Map.of("authorization", "Basic %%%")))
        .isEqualTo(AuthResult.denied("malformed Basic credentials (not base64)"));
    assertThat(e.authenticate(Map.of("authorization", "Basic " + Base64.getEncoder().encodeToString("alice".getBytes()))))
        .isEqualTo(AuthResult.denied("malformed Basic credentials (no ':' between user and password)"));
    assertThat(e.challenge()).startsWith("Basic realm=");
  }

  @Test
  void bcryptLine_isAConfigErrorNamingLineAndUserButNotTheHash() {
    var errors = parse("htpasswd:\n  inline: |\n    alice:s3cret\n    bob:$2y$05$abcdefghijklmnopqrstuvHASHHASH\n").errors();

    assertThat(errors).containsExactly(PATH + ".htpasswd.inline: line 2 (user 'bob'): bcrypt hashes are not supported; "
        + "use a plain-text password or a {SHA} hash (htpasswd -s)");
  }

  @Test
  void duplicateUser_isAConfigError() {
    assertThat(parse("htpasswd:\n  inline: |\n    alice:a\n    alice:b\n").errors())
        .containsExactly(PATH + ".htpasswd.inline: line 2 (user 'alice'): the user is listed twice");
  }

  @Test
  void serverAndClientTogether_isAConfigError() {
    assertThat(parse("htpasswd: {inline: \"a:b\"}\nclient_auth: {username: a, password: b}").errors())
        .containsExactly(PATH + ": set either htpasswd (to authenticate incoming requests) or client_auth (to send "
            + "credentials), not both: define two basicauth extensions, e.g. basicauth/server and basicauth/client");
  }

  @Test
  void neitherServerNorClient_isAConfigError() {
    assertThat(parse("").errors()).containsExactly(
        PATH + ": set htpasswd (to authenticate incoming requests) or client_auth (to send credentials)");
  }

  @Test
  void usernameWithColon_isAConfigError() {
    assertThat(parse("client_auth: {username: \"a:b\", password: c}").errors())
        .containsExactly(PATH + ".client_auth.username: must not contain ':' (Basic authentication separates user "
            + "and password with it)");
  }

  @Test
  void htpasswdFile_isReadAtStartAndReloaded_inlineTakingPrecedence() throws Exception {
    Path file = Files.writeString(tmp.resolve(".htpasswd"), "carol:first\nalice:from-file\n");
    Extension e = extension("htpasswd:\n  file: " + file + "\n  inline: \"alice:from-inline\"\n");
    e.start(id -> Optional.empty());
    try {
      assertThat(login(e, "carol", "first").authenticated()).isTrue();
      assertThat(login(e, "alice", "from-inline").authenticated()).isTrue();
      assertThat(login(e, "alice", "from-file").authenticated()).isFalse();

      Files.writeString(file, "carol:second\n");

      await().atMost(Duration.ofSeconds(30)).until(() -> login(e, "carol", "second").authenticated());
      assertThat(login(e, "carol", "first").authenticated()).isFalse();
    } finally {
      e.shutdown();
    }
  }

  @Test
  void invalidHtpasswdFile_failsTheStartNamingKeyFileAndLine() throws Exception {
    Path file = Files.writeString(tmp.resolve(".htpasswd"), "carol:$apr1$xyz$abc\n");
    Extension e = extension("htpasswd:\n  file: " + file + "\n");

    assertThatThrownBy(() -> e.start(id -> Optional.empty())).hasMessage(PATH + ".htpasswd.file: " + file
        + ": line 1 (user 'carol'): MD5-crypt hashes are not supported; use a plain-text password or a {SHA} hash "
        + "(htpasswd -s)");
  }

  @Test
  void client_sendsBasicCredentials() {
    Extension e = extension("client_auth:\n  username: alice\n  password: s3cret\n");

    assertThat(e).isInstanceOf(ClientAuthenticator.class).isNotInstanceOf(ServerAuthenticator.class);
    assertThat(((ClientAuthenticator) e).headers())
        .isEqualTo(Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes())));
  }

  @Test
  void clientPasswordFile_isReadAndReloaded() throws Exception {
    Path file = Files.writeString(tmp.resolve("password"), "one\n");
    Extension e = extension("client_auth:\n  username: alice\n  password_file: " + file + "\n");
    e.start(id -> Optional.empty());
    try {
      assertThat(((ClientAuthenticator) e).headers().get("Authorization"))
          .isEqualTo("Basic " + Base64.getEncoder().encodeToString("alice:one".getBytes()));
      Files.writeString(file, "two\n");
      await().atMost(Duration.ofSeconds(30)).until(() -> ((ClientAuthenticator) e).headers().get("Authorization")
          .equals("Basic " + Base64.getEncoder().encodeToString("alice:two".getBytes())));
    } finally {
      e.shutdown();
    }
  }

  @Test
  void toString_neverShowsPasswords() {
    var server = parse("htpasswd:\n  inline: \"alice:TOPSECRET\"\n").config();
    var client = parse("client_auth: {username: alice, password: TOPSECRET}").config();

    assertThat(server.toString()).doesNotContain("TOPSECRET").contains("alice");
    assertThat(client.toString()).doesNotContain("TOPSECRET").contains("<redacted>");
    assertThat(extension("client_auth: {username: alice, password: TOPSECRET}").toString()).doesNotContain("TOPSECRET");
  }
}
