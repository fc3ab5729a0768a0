package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;

/** Sends telemetry out; one instance per id, shared by every pipeline that names it. */
public interface Exporter extends Component, Consumer {}
