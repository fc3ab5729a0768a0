package dev.traceyard.store.db;

import io.opentelemetry.proto.common.v1.InstrumentationScope;

/** An instrumentation scope (with its schema URL), hashed once per request. */
record ScopeInfo(InstrumentationScope scope, String schemaUrl, long hash) {
  static ScopeInfo of(InstrumentationScope s, String schemaUrl) {
    return new ScopeInfo(s, schemaUrl, Fnv.hash(s.toByteArray(), schemaUrl));
  }
}
