package dev.traceyard.collector.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.otlp.OtlpJsonException;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.util.Optional;

/**
 * How a batch travels in a Kafka message's value: the OTLP export request as protobuf
 * ({@code otlp_proto}, otelcol's default) or as OTLP/JSON ({@code otlp_json}).
 */
public enum KafkaEncoding {
  OTLP_PROTO("otlp_proto"),
  OTLP_JSON("otlp_json");

  private final String configName;

  KafkaEncoding(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static Optional<KafkaEncoding> fromConfigName(String name) {
    for (KafkaEncoding e : values()) {
      if (e.configName.equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  public byte[] encode(Batch batch) {
    return this == OTLP_PROTO ? batch.request().toByteArray() : OtlpJson.encodeToBytes(batch.request());
  }

  /** A message that cannot be decoded as {@code signal} in this encoding. */
  public static final class MalformedMessageException extends Exception {
    public MalformedMessageException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Decodes a message value; a bad value (wrong signal, truncated, not OTLP) is a {@link MalformedMessageException}. */
  public Batch decode(Signal signal, byte[] value) throws MalformedMessageException {
    if (value == null) {
      throw new MalformedMessageException("the message has no value (a tombstone)", null);
    }
    try {
      if (this == OTLP_PROTO) {
        switch (signal) {
          case TRACES:
            return Batch.of(OtlpTraceDecoder.parse(value));
          case METRICS:
            return Batch.of(ExportMetricsServiceRequest.parseFrom(value));
          default:
            return Batch.of(ExportLogsServiceRequest.parseFrom(value));
        }
      }
      switch (signal) {
        case TRACES:
          return Batch.of(OtlpJson.decodeTraces(value));
        case METRICS:
          return Batch.of(OtlpJson.decodeMetrics(value));
        default:
          return Batch.of(OtlpJson.decodeLogs(value));
      }
    } catch (InvalidProtocolBufferException | OtlpJsonException e) {
      throw new MalformedMessageException("not an OTLP " + signal.configName() + " request in " + configName + ": "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new MalformedMessageException("not an OTLP " + signal.configName() + " request in " + configName + ": " + e, e);
    }
  }
}
