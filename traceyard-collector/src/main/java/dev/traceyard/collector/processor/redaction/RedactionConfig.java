package dev.traceyard.collector.processor.redaction;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of the {@code redaction} processor, as in otelcol.
 *
 * @param allowAllKeys keep every key (the allow-list is then unused); blocked values are masked regardless
 * @param allowedKeys keys kept when {@code allowAllKeys} is false; every other key is deleted (fails closed)
 * @param ignoredKeys keys passed through untouched: never deleted, never masked
 * @param blockedKeyPatterns keys whose whole value is masked
 * @param blockedValues patterns whose matches inside values are masked
 * @param allowedValues patterns of values that are kept as they are even when blocked
 * @param hashFunction hash the masked text instead of writing {@code ****}
 * @param summary which {@code redaction.*} summary attributes are added to changed items
 * @param redactAllTypes also mask numbers and booleans whose text matches {@code blocked_values}
 *     (otelcol's {@code redact_all_types}); strings inside lists and maps are always checked
 */
public record RedactionConfig(boolean allowAllKeys, Set<String> allowedKeys, Set<String> ignoredKeys,
    List<Pattern> blockedKeyPatterns, List<Pattern> blockedValues, List<Pattern> allowedValues,
    HashFunction hashFunction, Summary summary, boolean redactAllTypes) {

  public RedactionConfig {
    allowedKeys = Set.copyOf(allowedKeys);
    ignoredKeys = Set.copyOf(ignoredKeys);
    blockedKeyPatterns = List.copyOf(blockedKeyPatterns);
    blockedValues = List.copyOf(blockedValues);
    allowedValues = List.copyOf(allowedValues);
    Objects.requireNonNull(hashFunction, "hashFunction");
    Objects.requireNonNull(summary, "summary");
  }

  /** What a masked match is replaced with. */
  public enum HashFunction {
    NONE(null), MD5("MD5"), SHA1("SHA-1"), SHA3("SHA3-256"), SHA256("SHA-256");

    final String algorithm;

    HashFunction(String algorithm) {
      this.algorithm = algorithm;
    }
  }

  /** Verbosity of the summary attributes: names and counts, counts only, or nothing. */
  public enum Summary { DEBUG, INFO, SILENT }
}
