package dev.traceyard.collector.component;

import dev.traceyard.collector.consumer.Consumer;

/**
 * Ends one or more pipelines (as their exporter) and feeds others (as their receiver), e.g. span
 * metrics computed from a traces pipeline and sent down a metrics pipeline. One instance per id.
 */
public interface Connector extends Component, Consumer {}
