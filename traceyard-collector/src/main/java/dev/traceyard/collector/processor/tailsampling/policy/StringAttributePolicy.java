package dev.traceyard.collector.processor.tailsampling.policy;

import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Matches string attributes against exact values or, with {@code enabled_regex_matching}, regular
 * expressions that may match anywhere in the value (Go's {@code MatchString}, as otelcol uses; anchor
 * with {@code ^...$} for a whole-value match). Regex results are cached per value, up to
 * {@code cache_max_size} values, least recently used first out.
 */
final class StringAttributePolicy implements Policy {
  private final AttributeMatcher matcher;
  private final Predicate<AnyValue> accepts;

  StringAttributePolicy(String key, List<String> values, boolean regex, int cacheMaxSize, boolean invert) {
    this.matcher = new AttributeMatcher(key, invert);
    if (regex) {
      Pattern[] patterns = values.stream().map(Pattern::compile).toArray(Pattern[]::new);
      Map<String, Boolean> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > cacheMaxSize;
        }
      };
      this.accepts = v -> {
        if (v.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
          return false;
        }
        String s = v.getStringValue();
        Boolean cached = cache.get(s);
        if (cached == null) {
          cached = Boolean.FALSE;
          for (Pattern p : patterns) {
            if (p.matcher(s).find()) {
              cached = Boolean.TRUE;
              break;
            }
          }
          cache.put(s, cached);
        }
        return cached;
      };
    } else {
      Set<String> exact = new HashSet<>(values);
      exact.remove("");
      this.accepts = v -> v.getValueCase() == AnyValue.ValueCase.STRING_VALUE && exact.contains(v.getStringValue());
    }
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return matcher.evaluate(trace, accepts);
  }
}
