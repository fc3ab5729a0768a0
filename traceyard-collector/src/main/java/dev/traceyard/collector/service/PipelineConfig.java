package dev.traceyard.collector.service;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Signal;
import java.util.List;

/** One entry of {@code service.pipelines}. */
record PipelineConfig(String id, Signal signal, List<ComponentId> receivers, List<ComponentId> processors,
    List<ComponentId> exporters) {}
