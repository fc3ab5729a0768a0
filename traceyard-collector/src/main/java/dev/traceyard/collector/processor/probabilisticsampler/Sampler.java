package dev.traceyard.collector.processor.probabilisticsampler;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.AnyValues;
import dev.traceyard.collector.processor.internal.matching.Rewrite;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Keeps or drops each span or log record on its own, statelessly. Spans: a {@code sampling.priority}
 * attribute of 0 drops and any other number keeps; otherwise the trace id decides. Log records: the
 * trace id decides (or {@code from_attribute} when the trace id is absent or
 * {@code attribute_source: record}); a {@code sampling_priority} attribute replaces the percentage
 * (0 drops; a positive priority keeps a record that has nothing to hash).
 * Kept items are passed on unchanged (the hash_seed mode writes no tracestate threshold here).
 */
final class Sampler {
  private static final String SPAN_PRIORITY = "sampling.priority";

  private final ProbabilisticSamplerConfig config;
  private final HashSeedSampler hasher;
  private final CounterDataPoint droppedByProbability;
  private final CounterDataPoint droppedByPriority;
  private final CounterDataPoint droppedWithoutRandomness;
  private final CounterDataPoint missingRandomness;
  private final RateLimitedLogger log;

  Sampler(ProbabilisticSamplerConfig config, SelfTelemetry telemetry, String processor, Signal signal, Logger logger) {
    this.config = config;
    this.hasher = new HashSeedSampler(config.hashSeed(), config.samplingPercentage());
    Counter sampledOut = telemetry.counter("traceyard_processor_probabilistic_sampler_sampled_out_items",
        "Spans or log records the probabilistic sampler did not keep, by reason (probability, priority, "
            + "missing_randomness with fail_closed).", "processor", "signal", "reason");
    droppedByProbability = sampledOut.labelValues(processor, signal.configName(), "probability");
    droppedByPriority = sampledOut.labelValues(processor, signal.configName(), "priority");
    droppedWithoutRandomness = sampledOut.labelValues(processor, signal.configName(), "missing_randomness");
    missingRandomness = telemetry.counter("traceyard_processor_probabilistic_sampler_missing_randomness_items",
        "Items without a trace id (or configured attribute) to hash; dropped with fail_closed, kept otherwise.",
        "processor", "signal").labelValues(processor, signal.configName());
    this.log = new RateLimitedLogger(logger, Duration.ofSeconds(10));
  }

  Batch apply(Batch batch) {
    if (batch instanceof TraceBatch t) {
      return Rewrite.traces(t, null, (resource, scope, span) -> keepSpan(span) ? span : null);
    }
    return Rewrite.logs((LogBatch) batch, null, (resource, scope, rec) -> keepLog(rec) ? rec : null);
  }

  boolean keepSpan(Span span) {
    Double priority = number(AnyValues.attribute(span.getAttributesList(), SPAN_PRIORITY));
    if (priority != null) {
      if (priority == 0) {
        droppedByPriority.inc();
        return false;
      }
      return true;
    }
    if (!validId(span.getTraceId())) {
      return missing("span without a trace id");
    }
    if (hasher.sampled(span.getTraceId())) {
      return true;
    }
    droppedByProbability.inc();
    return false;
  }

  boolean keepLog(LogRecord rec) {
    float pct = config.samplingPercentage();
    boolean prioritized = false;
    if (!config.samplingPriority().isEmpty()) {
      Double priority = number(AnyValues.attribute(rec.getAttributesList(), config.samplingPriority()));
      if (priority != null) {
        if (priority <= 0) {
          droppedByPriority.inc();
          return false;
        }
        pct = (float) Math.min(priority, 100.0);
        prioritized = true;
      }
    }
    ByteString randomness = null;
    if (!config.attributeSourceRecord() && validId(rec.getTraceId())) {
      randomness = rec.getTraceId();
    } else if (!config.fromAttribute().isEmpty()) {
      AnyValue v = AnyValues.attribute(rec.getAttributesList(), config.fromAttribute());
      if (v != null) {
        randomness = v.hasBytesValue() ? v.getBytesValue()
            : ByteString.copyFrom(AnyValues.asString(v), StandardCharsets.UTF_8);
        if (randomness.isEmpty()) {
          randomness = null;
        }
      }
    }
    if (randomness == null) {
      if (prioritized) {
        // As in otelcol, a positive priority keeps an item that has nothing to hash.
        return true;
      }
      return missing(config.fromAttribute().isEmpty() ? "log record without a trace id"
          : "log record without a trace id or attribute '" + config.fromAttribute() + "'");
    }
    if (hasher.sampled(randomness, pct)) {
      return true;
    }
    droppedByProbability.inc();
    return false;
  }

  private boolean missing(String what) {
    missingRandomness.inc();
    if (config.failClosed()) {
      droppedWithoutRandomness.inc();
      log.warn("dropping a {}: nothing to hash (fail_closed: true)", what);
      return false;
    }
    return true;
  }

  private static boolean validId(ByteString id) {
    for (int i = 0, n = id.size(); i < n; i++) {
      if (id.byteAt(i) != 0) {
        return true;
      }
    }
    return false;
  }

  /** A numeric attribute (or a number written as a string), else null. */
  private static Double number(AnyValue v) {
    if (v == null) {
      return null;
    }
    if (v.hasIntValue()) {
      return (double) v.getIntValue();
    }
    if (v.hasDoubleValue()) {
      return v.getDoubleValue();
    }
    if (v.hasStringValue()) {
      try {
        return Double.parseDouble(v.getStringValue().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
