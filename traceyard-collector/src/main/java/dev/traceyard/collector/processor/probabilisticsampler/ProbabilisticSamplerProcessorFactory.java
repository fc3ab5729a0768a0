package dev.traceyard.collector.processor.probabilisticsampler;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.processor.internal.matching.MappingProcessor;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code probabilistic_sampler} processor for traces and logs, in otelcol's {@code hash_seed}
 * mode: {@code sampling_percentage} (required), {@code hash_seed}, {@code mode} (only
 * {@code hash_seed}; the OTEP 235 modes {@code proportional} and {@code equalizing} are refused),
 * {@code fail_closed} (default true), {@code sampling_precision} and, for logs,
 * {@code attribute_source} ({@code traceID} or {@code record}), {@code from_attribute} and
 * {@code sampling_priority}.
 */
public final class ProbabilisticSamplerProcessorFactory implements ProcessorFactory<ProbabilisticSamplerConfig> {

  @Override
  public String type() {
    return "probabilistic_sampler";
  }

  @Override
  public Set<Signal> signals() {
    return EnumSet.of(Signal.TRACES, Signal.LOGS);
  }

  @Override
  public ProbabilisticSamplerConfig parseConfig(ConfigNode node) {
    double pct = node.doubleValue("sampling_percentage", 0);
    if (!node.has("sampling_percentage")) {
      node.error("sampling_percentage", "is required: the percentage of traces to keep, e.g. 10");
    } else if (Double.isNaN(pct) || pct < 0) {
      node.error("sampling_percentage", "must be between 0 and 100 (more than 100 keeps everything), got " + pct);
      pct = 0;
    }
    long seed = node.longInRange("hash_seed", 0, 0, 0xFFFF_FFFFL);
    String mode = node.string("mode", "hash_seed");
    if (mode.equals("proportional") || mode.equals("equalizing")) {
      node.error("mode", "'" + mode + "' is not supported: Traceyard implements the hash_seed mode only");
    } else if (!mode.equals("hash_seed") && !mode.isEmpty()) {
      node.error("mode", "unknown value '" + mode + "' (expected hash_seed; proportional and equalizing are not supported)");
    }
    boolean failClosed = node.bool("fail_closed", true);
    int precision = (int) node.longInRange("sampling_precision", 4, 1, 14);
    String source = node.oneOf("attribute_source", "traceID", "traceID", "record");
    String fromAttribute = node.string("from_attribute", "");
    String priority = node.string("sampling_priority", "");
    if ("record".equals(source) && fromAttribute.isEmpty()) {
      node.error("from_attribute", "is required with attribute_source: record (the log record attribute to hash)");
    }
    return new ProbabilisticSamplerConfig((float) pct, (int) seed, failClosed, precision, "record".equals(source),
        fromAttribute, priority);
  }

  @Override
  public Processor create(ComponentSettings settings, ProbabilisticSamplerConfig config, Signal signal, Consumer next) {
    Sampler sampler = new Sampler(config, settings.telemetry(), settings.id().toString(), signal, settings.logger());
    return new MappingProcessor(settings, signal, next, sampler::apply, null);
  }
}
