package dev.traceyard.collector.processor.redaction;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor;
import dev.traceyard.collector.processor.internal.matching.Regexes;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code redaction} processor, configured as otelcol's: {@code allow_all_keys},
 * {@code allowed_keys}, {@code ignored_keys}, {@code blocked_key_patterns}, {@code blocked_values},
 * {@code allowed_values}, {@code hash_function} (none, md5, sha1, sha3, sha256), {@code summary}
 * (debug, info, silent; default silent) and {@code redact_all_types}. Deleted keys and masked values
 * are counted in {@code traceyard_processor_redaction_deleted_attributes} and
 * {@code traceyard_processor_redaction_masked_values}.
 */
public final class RedactionProcessorFactory implements ProcessorFactory<RedactionConfig> {

  @Override
  public String type() {
    return "redaction";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.allOf(Signal.class);
  }

  @Override
  public RedactionConfig parseConfig(ConfigNode node) {
    boolean allowAll = node.bool("allow_all_keys", false);
    Set<String> allowed = new LinkedHashSet<>(node.stringList("allowed_keys"));
    Set<String> ignored = new LinkedHashSet<>(node.stringList("ignored_keys"));
    List<Pattern> blockedKeys = patterns(node, "blocked_key_patterns");
    List<Pattern> blockedValues = patterns(node, "blocked_values");
    List<Pattern> allowedValues = patterns(node, "allowed_values");
    String hash = node.string("hash_function", "none");
    RedactionConfig.HashFunction hashFunction = RedactionConfig.HashFunction.NONE;
    if (!hash.isEmpty()) {
      try {
        hashFunction = RedactionConfig.HashFunction.valueOf(hash.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        node.error("hash_function", "unknown value '" + hash + "' (expected one of: none, md5, sha1, sha3, sha256)");
      }
    }
    String summary = node.oneOf("summary", "silent", "debug", "info", "silent");
    boolean redactAllTypes = node.bool("redact_all_types", false);
    if (allowAll && !allowed.isEmpty()) {
      node.error("allowed_keys", "has no effect with allow_all_keys: true; remove one of them");
    }
    return new RedactionConfig(allowAll, allowed, ignored, blockedKeys, blockedValues, allowedValues, hashFunction,
        RedactionConfig.Summary.valueOf(summary.toUpperCase(Locale.ROOT)), redactAllTypes);
  }

  private static List<Pattern> patterns(ConfigNode node, String key) {
    List<String> raw = node.stringList(key);
    List<Pattern> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      if (raw.get(i).isEmpty()) {
        node.errors().add(node.pathOf(key) + "[" + i + "]", "must not be empty: it would match every value");
        continue;
      }
      try {
        out.add(Regexes.compile(raw.get(i)).pattern());
      } catch (PatternSyntaxException e) {
        node.errors().add(node.pathOf(key) + "[" + i + "]", Regexes.describe(e));
      }
    }
    return out;
  }

  @Override
  public Processor create(ComponentSettings settings, RedactionConfig config, Signal signal, Consumer next) {
    Counter deleted = settings.telemetry().counter("traceyard_processor_redaction_deleted_attributes",
        "Attributes (and log body keys) the redaction processor deleted because their key is not allowed.",
        "processor", "signal");
    Counter masked = settings.telemetry().counter("traceyard_processor_redaction_masked_values",
        "Attribute values (and log bodies) the redaction processor masked or hashed.", "processor", "signal");
    Redactor redactor = new Redactor(config,
        deleted.labelValues(settings.id().toString(), signal.configName()),
        masked.labelValues(settings.id().toString(), signal.configName()));
    return new MappingProcessor(settings, signal, next, redactor::apply, null);
  }
}
