package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.otlp.OtlpJsonException;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.function.Function;

/** What differs between the three signals: request parsing, batch making and the (partial-success) response. */
final class SignalCodec<Q extends Message, R extends Message> {

  static final SignalCodec<ExportTraceServiceRequest, ExportTraceServiceResponse> TRACES = new SignalCodec<>(
      Signal.TRACES, OtlpTraceDecoder::parse, OtlpJson::decodeTraces, OtlpLimits::violation, TraceBatch::of,
      (rejected, message) -> rejected == 0 ? ExportTraceServiceResponse.getDefaultInstance()
          : ExportTraceServiceResponse.newBuilder().setPartialSuccess(ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(rejected).setErrorMessage(message)).build());

  static final SignalCodec<ExportMetricsServiceRequest, ExportMetricsServiceResponse> METRICS = new SignalCodec<>(
      Signal.METRICS, ExportMetricsServiceRequest.parser()::parseFrom, OtlpJson::decodeMetrics, OtlpLimits::violation,
      MetricBatch::of,
      (rejected, message) -> rejected == 0 ? ExportMetricsServiceResponse.getDefaultInstance()
          : ExportMetricsServiceResponse.newBuilder().setPartialSuccess(ExportMetricsPartialSuccess.newBuilder()
              .setRejectedDataPoints(rejected).setErrorMessage(message)).build());

  static final SignalCodec<ExportLogsServiceRequest, ExportLogsServiceResponse> LOGS = new SignalCodec<>(
      Signal.LOGS, ExportLogsServiceRequest.parser()::parseFrom, OtlpJson::decodeLogs, OtlpLimits::violation, LogBatch::of,
      (rejected, message) -> rejected == 0 ? ExportLogsServiceResponse.getDefaultInstance()
          : ExportLogsServiceResponse.newBuilder().setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
              .setRejectedLogRecords(rejected).setErrorMessage(message)).build());

  @FunctionalInterface
  interface ProtoDecoder<Q> {
    Q decode(byte[] protobuf) throws InvalidProtocolBufferException;
  }

  @FunctionalInterface
  interface JsonDecoder<Q> {
    Q decode(byte[] json) throws OtlpJsonException;
  }

  @FunctionalInterface
  interface ResponseMaker<R> {
    R make(long rejectedItems, String message);
  }

  private final Signal signal;
  private final ProtoDecoder<Q> protoDecoder;
  private final JsonDecoder<Q> jsonDecoder;
  private final Function<Q, String> limits;
  private final Function<Q, Batch> batchMaker;
  private final ResponseMaker<R> responseMaker;

  private SignalCodec(Signal signal, ProtoDecoder<Q> protoDecoder, JsonDecoder<Q> jsonDecoder, Function<Q, String> limits,
      Function<Q, Batch> batchMaker, ResponseMaker<R> responseMaker) {
    this.signal = signal;
    this.protoDecoder = protoDecoder;
    this.jsonDecoder = jsonDecoder;
    this.limits = limits;
    this.batchMaker = batchMaker;
    this.responseMaker = responseMaker;
  }

  static SignalCodec<?, ?> of(Signal signal) {
    switch (signal) {
      case TRACES:
        return TRACES;
      case METRICS:
        return METRICS;
      default:
        return LOGS;
    }
  }

  Signal signal() {
    return signal;
  }

  /**
   * Decodes an OTLP/HTTP body (protobuf or OTLP/JSON, already decompressed) and checks it against
   * {@link OtlpLimits}. Any other exception than the declared one is a bug (the fuzz tests look for them).
   */
  Q decode(byte[] body, boolean json) throws InvalidRequestException {
    Q request;
    try {
      request = json ? jsonDecoder.decode(body) : protoDecoder.decode(body);
    } catch (OtlpJsonException e) {
      throw new InvalidRequestException(e.getMessage(), 0, e);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidRequestException("invalid protobuf: " + e.getMessage(), 0, e);
    }
    String violation = violation(request);
    if (violation != null) {
      throw new InvalidRequestException(violation, batch(request).itemCount(), null);
    }
    return request;
  }

  /** The first {@link OtlpLimits} violation of a decoded request, or null when it has none. */
  String violation(Q request) {
    return limits.apply(request);
  }

  Batch batch(Q request) {
    return batchMaker.apply(request);
  }

  /** The success response, carrying OTLP partial success when items were rejected. */
  R response(long rejectedItems, String message) {
    return responseMaker.make(rejectedItems, message == null ? "" : message);
  }
}
