package dev.traceyard.collector.processor.redaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionConfigTest {
  private static final String P = "processors.redaction.";

  private static ProcessorFixtures.Parsed<RedactionConfig> parse(String yaml) {
    return ProcessorFixtures.parse(new RedactionProcessorFactory(), "redaction", yaml);
  }

  @Test
  void defaults_failClosedAndSilent() {
    RedactionConfig c = parse("{}").config();
    assertThat(c.allowAllKeys()).isFalse();
    assertThat(c.allowedKeys()).isEmpty();
    assertThat(c.summary()).isEqualTo(RedactionConfig.Summary.SILENT);
    assertThat(c.hashFunction()).isEqualTo(RedactionConfig.HashFunction.NONE);
    assertThat(c.redactAllTypes()).isFalse();
  }

  @Test
  void everyKey_isRead() {
    ProcessorFixtures.Parsed<RedactionConfig> p = parse(String.join("\n",
        "allow_all_keys: false",
        "allowed_keys: [description, id]",
        "ignored_keys: [safe]",
        "blocked_key_patterns: ['.*token.*']",
        "blocked_values: ['4[0-9]{12}(?:[0-9]{3})?']",
        "allowed_values: ['.+@example\\.com']",
        "hash_function: sha3",
        "summary: debug",
        "redact_all_types: true",
        ""));
    assertThat(p.errors()).isEmpty();
    assertThat(p.config().hashFunction()).isEqualTo(RedactionConfig.HashFunction.SHA3);
    assertThat(p.config().summary()).isEqualTo(RedactionConfig.Summary.DEBUG);
    assertThat(p.config().blockedValues()).hasSize(1);
  }

  @Test
  void badValues_areErrorsWithTheirPath() {
    List<String> errors = parse(String.join("\n",
        "allow_all_keys: maybe",
        "blocked_values: ['(', '']",
        "blocked_key_patterns: ['[a-']",
        "hash_function: crc32",
        "summary: verbose",
        "url_sanitizer: {}",
        "")).errors();
    assertThat(errors).containsExactly(
        P + "allow_all_keys: expected true or false, got 'maybe'",
        P + "blocked_key_patterns[0]: invalid regular expression '[a-': Illegal character range near index 3",
        P + "blocked_values[0]: invalid regular expression '(': Unclosed group near index 1",
        P + "blocked_values[1]: must not be empty: it would match every value",
        P + "hash_function: unknown value 'crc32' (expected one of: none, md5, sha1, sha3, sha256)",
        P + "summary: unknown value 'verbose' (expected one of: debug, info, silent)",
        P + "url_sanitizer: unknown key 'url_sanitizer' (known keys: allow_all_keys, allowed_keys, allowed_values, "
            + "blocked_key_patterns, blocked_values, hash_function, ignored_keys, redact_all_types, summary)");
  }

  @Test
  void allowedKeysWithAllowAll_isAnError() {
    assertThat(parse("allow_all_keys: true\nallowed_keys: [a]\n").errors())
        .containsExactly(P + "allowed_keys: has no effect with allow_all_keys: true; remove one of them");
  }
}
