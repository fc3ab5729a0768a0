package dev.traceyard.collector.exporter.otlp;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.SessionProtocol;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.config.tls.ClientTls;
import dev.traceyard.collector.exporter.exporterhelper.AuthHeaders;
import dev.traceyard.collector.extension.auth.ClientAuthenticator;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.time.Duration;
import org.slf4j.Logger;

/** One OTLP/gRPC export call per batch, through Armeria's gRPC client. */
final class OtlpGrpcSender implements Sender {
  private static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  private final OtlpExporterConfig config;
  private final Logger logger;
  private final RateLimitedLogger partialLog;
  private ClientFactory factory;
  private TraceServiceGrpc.TraceServiceBlockingStub traces;
  private MetricsServiceGrpc.MetricsServiceBlockingStub metrics;
  private LogsServiceGrpc.LogsServiceBlockingStub logs;

  OtlpGrpcSender(OtlpExporterConfig config, Logger logger) {
    this.config = config;
    this.logger = logger;
    this.partialLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
  }

  @Override
  public void start(Host host) {
    // An own event loop: with the sending queue disabled this client is called on the receiver's
    // thread, which must never wait for a connection served by its own event loop.
    // Files and extensions are checked before anything is built, with errors naming the config path.
    ClientTls tls = config.useTls() ? ClientTls.load(config.tls(), logger) : null;
    ClientAuthenticator auth = config.auth() == null ? null : config.auth().client(host);
    ClientFactoryBuilder fb = ClientFactory.builder().workerGroup(2);
    if (tls != null) {
      tls.applyTo(fb);
    }
    factory = fb.build();
    traces = client(auth).build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    metrics = client(auth).build(MetricsServiceGrpc.MetricsServiceBlockingStub.class);
    logs = client(auth).build(LogsServiceGrpc.LogsServiceBlockingStub.class);
  }

  private GrpcClientBuilder client(ClientAuthenticator auth) {
    SessionProtocol protocol = config.useTls() ? SessionProtocol.HTTPS : SessionProtocol.HTTP;
    GrpcClientBuilder b = GrpcClients.builder(protocol, Endpoint.of(config.endpoint().host(), config.endpoint().port()))
        .factory(factory)
        .responseTimeout(config.helper().timeout())
        .maxResponseMessageLength(MAX_RESPONSE_BYTES);
    if (config.gzip()) {
      b.compressor(FastGzip.INSTANCE);
    }
    config.headers().forEach(b::setHeader);
    if (auth != null) {
      b.decorator(AuthHeaders.decorator(auth));
    }
    if (config.useTls() && config.tls().serverNameOverride() != null) {
      // Armeria derives the TLS server name (SNI and certificate check) from the authority.
      b.setHeader(HttpHeaderNames.AUTHORITY, config.tls().serverNameOverride());
    }
    return b;
  }

  @Override
  public ConsumeResult send(Batch batch) {
    try {
      switch (batch.signal()) {
        case TRACES: {
          ExportTraceServiceResponse r = traces.export(((TraceBatch) batch).request());
          return partial(r.getPartialSuccess().getRejectedSpans(), r.getPartialSuccess().getErrorMessage(), "spans");
        }
        case METRICS: {
          ExportMetricsServiceResponse r = metrics.export(((MetricBatch) batch).request());
          return partial(r.getPartialSuccess().getRejectedDataPoints(), r.getPartialSuccess().getErrorMessage(),
              "metric data points");
        }
        default: {
          ExportLogsServiceResponse r = logs.export(((LogBatch) batch).request());
          return partial(r.getPartialSuccess().getRejectedLogRecords(), r.getPartialSuccess().getErrorMessage(),
              "log records");
        }
      }
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNKNOWN && connectionLost(e)) {
        // The server went away mid-call (killed, connection reset): transient, like a refused connection.
        return ConsumeResult.retryable("connection to " + config.endpoint() + " lost: " + e.getStatus().getCause(), null);
      }
      return fromStatus(e.getStatus(), retryDelay(e), config.endpoint().toString());
    } catch (RuntimeException e) {
      // Not a gRPC status (e.g. the connection could not be made): transient from our side.
      return ConsumeResult.retryable("cannot reach " + config.endpoint() + ": " + e, null);
    }
  }

  private ConsumeResult partial(long rejected, String message, String noun) {
    if (rejected > 0) {
      return ConsumeResult.partialSuccess(rejected,
          "destination rejected " + rejected + " " + noun + (message.isEmpty() ? "" : ": " + message));
    }
    if (!message.isEmpty()) {
      partialLog.warn("destination accepted every item with a warning: {}", message);
    }
    return ConsumeResult.success();
  }

  /** Whether the call failed because the connection or stream closed under it, not because of the data. */
  static boolean connectionLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof com.linecorp.armeria.common.ClosedSessionException
          || t instanceof com.linecorp.armeria.common.stream.ClosedStreamException
          || t instanceof com.linecorp.armeria.client.UnprocessedRequestException
          || t instanceof java.io.IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * otelcol's mapping: transient codes are retried; RESOURCE_EXHAUSTED only when the server says
   * when to come back (RetryInfo), since without it the limit may be permanent; the rest is permanent.
   */
  static ConsumeResult fromStatus(Status status, Duration retryAfter, String endpoint) {
    String message = "gRPC " + status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription())
        + (status.getCode() == Status.Code.UNKNOWN && status.getCause() != null ? " (" + status.getCause() + ")" : "")
        + " from " + endpoint;
    switch (status.getCode()) {
      case CANCELLED:
      case DEADLINE_EXCEEDED:
      case ABORTED:
      case OUT_OF_RANGE:
      case UNAVAILABLE:
      case DATA_LOSS:
        return ConsumeResult.retryable(message, retryAfter);
      case RESOURCE_EXHAUSTED:
        return retryAfter != null ? ConsumeResult.throttled(message, retryAfter) : ConsumeResult.permanent(message);
      default:
        return ConsumeResult.permanent(message);
    }
  }

  /** The delay of a {@code google.rpc.RetryInfo} in the status details, or null. */
  static Duration retryDelay(StatusRuntimeException e) {
    com.google.rpc.Status details;
    try {
      details = StatusProto.fromThrowable(e);
    } catch (RuntimeException malformed) {
      return null;
    }
    if (details == null) {
      return null;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          Duration delay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          return delay.isNegative() ? Duration.ZERO : delay;
        } catch (InvalidProtocolBufferException ignored) {
          return null;
        }
      }
    }
    return null;
  }

  @Override
  public void shutdown() {
    if (factory != null) {
      factory.closeAsync();
    }
  }
}
