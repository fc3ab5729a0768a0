package dev.traceyard.store.db;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;

/** A resource (with its schema URL) as the writer sees it, hashed once per request. */
record ResourceInfo(Resource resource, String schemaUrl, long hash, String serviceName) {
  /** The OpenTelemetry SDK's name for a service that did not set {@code service.name}. */
  static final String UNKNOWN_SERVICE = "unknown_service";

  static ResourceInfo of(Resource r, String schemaUrl) {
    return new ResourceInfo(r, schemaUrl, Fnv.hash(r.toByteArray(), schemaUrl), serviceName(r));
  }

  static String serviceName(Resource r) {
    for (KeyValue kv : r.getAttributesList()) {
      if (kv.getKey().equals("service.name") && kv.getValue().hasStringValue()) {
        return kv.getValue().getStringValue();
      }
    }
    return UNKNOWN_SERVICE;
  }
}
