package dev.traceyard.collector;

import dev.traceyard.collector.receiver.otlp.OtlpReceiverFactory;
import dev.traceyard.collector.receiver.zipkin.ZipkinReceiverFactory;
import dev.traceyard.collector.service.ComponentRegistry;

/** Every component type built into the collector module. */
public final class Components {
  private Components() {}

  public static ComponentRegistry builtIn() {
    return builtInBuilder().build();
  }

  /** The collector's components, for distributions that add their own (e.g. the store's exporter). */
  public static ComponentRegistry.Builder builtInBuilder() {
    return ComponentRegistry.builder()
        // receivers
        .receiver(new OtlpReceiverFactory())
        .receiver(new ZipkinReceiverFactory())
        .receiver(new dev.traceyard.collector.receiver.kafka.KafkaReceiverFactory())
        // processors
        .processor(new dev.traceyard.collector.processor.batch.BatchProcessorFactory())
        .processor(new dev.traceyard.collector.processor.memorylimiter.MemoryLimiterProcessorFactory())
        .processor(new dev.traceyard.collector.processor.tailsampling.TailSamplingProcessorFactory())
        .processor(new dev.traceyard.collector.processor.attributes.AttributesProcessorFactory())
        .processor(new dev.traceyard.collector.processor.redaction.RedactionProcessorFactory())
        .processor(new dev.traceyard.collector.processor.filter.FilterProcessorFactory())
        .processor(new dev.traceyard.collector.processor.resource.ResourceProcessorFactory())
        .processor(new dev.traceyard.collector.processor.probabilisticsampler.ProbabilisticSamplerProcessorFactory())
        .processor(new dev.traceyard.collector.processor.schema.SchemaProcessorFactory())
        .processor(new dev.traceyard.collector.processor.tracequality.TraceQualityProcessorFactory())
        // exporters
        .exporter(new dev.traceyard.collector.exporter.otlp.OtlpExporterFactory())
        .exporter(new dev.traceyard.collector.exporter.otlphttp.OtlpHttpExporterFactory())
        .exporter(new dev.traceyard.collector.exporter.debug.DebugExporterFactory())
        .exporter(new dev.traceyard.collector.exporter.file.FileExporterFactory())
        .exporter(new dev.traceyard.collector.exporter.loadbalancing.LoadBalancingExporterFactory())
        .exporter(new dev.traceyard.collector.exporter.kafka.KafkaExporterFactory())
        // connectors
        .connector(new dev.traceyard.collector.connector.spanmetrics.SpanMetricsConnectorFactory())
        .connector(new dev.traceyard.collector.connector.servicegraph.ServiceGraphConnectorFactory())
        .connector(new dev.traceyard.collector.connector.routing.RoutingConnectorFactory())
        // extensions
        .extension(new dev.traceyard.collector.extension.healthcheck.HealthCheckExtensionFactory())
        .extension(new dev.traceyard.collector.extension.auth.bearertoken.BearerTokenAuthExtensionFactory())
        .extension(new dev.traceyard.collector.extension.auth.basic.BasicAuthExtensionFactory())
        .extension(new dev.traceyard.collector.extension.filestorage.FileStorageExtensionFactory())
        ;
  }
}
