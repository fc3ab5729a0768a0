package dev.traceyard.collector.processor.tailsampling;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resource and scope a group of buffered spans came with. Interned, so that the many requests a
 * service sends with equal resources share one copy while their spans wait for a decision.
 */
record Origin(Resource resource, String resourceSchemaUrl, InstrumentationScope scope, String scopeSchemaUrl) {

  /** A bounded intern table; clearing it when full only costs some sharing, never correctness. */
  static final class Interner {
    private static final int MAX_ENTRIES = 4096;
    private final ConcurrentHashMap<Origin, Origin> table = new ConcurrentHashMap<>();

    Origin intern(ResourceSpans rs, ScopeSpans ss) {
      Origin o = new Origin(rs.getResource(), rs.getSchemaUrl(), ss.getScope(), ss.getSchemaUrl());
      Origin known = table.putIfAbsent(o, o);
      if (known != null) {
        return known;
      }
      if (table.size() > MAX_ENTRIES) {
        table.clear();
      }
      return o;
    }
  }
}
