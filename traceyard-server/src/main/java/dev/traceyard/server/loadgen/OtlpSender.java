package dev.traceyard.server.loadgen;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Sends export requests over one OTLP transport; blocking, called from the worker threads. */
interface OtlpSender {
  /** Never throws: transport failures come back as an outcome. */
  SendOutcome send(ExportTraceServiceRequest request);
}
