package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;

/** One step of one pipeline; each pipeline gets its own instance. */
public interface Processor extends Component, Consumer {}
