package dev.traceyard.collector.processor.filter;

import com.google.protobuf.Message;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/** The item a condition is evaluated against, with its enclosing span, metric, scope and resource. */
final class EvalContext {
  Resource resource;
  InstrumentationScope scope;
  Span span;
  Span.Event event;
  Metric metric;
  Message point;
  LogRecord log;
}
