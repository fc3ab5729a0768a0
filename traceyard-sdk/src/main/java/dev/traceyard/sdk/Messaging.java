package dev.traceyard.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Trace propagation through any message that carries string headers (a queue, a broker, an outbox
 * table): PRODUCER spans that inject their context into the headers, CONSUMER spans that continue the
 * producer's trace, and one CONSUMER span with a link per message when a batch is handled together.
 * Attributes follow the messaging semantic conventions ({@code messaging.system},
 * {@code messaging.destination.name}, {@code messaging.operation.type}, {@code messaging.operation.name},
 * {@code messaging.batch.message_count}). For Kafka, see {@link KafkaTracing}.
 */
public final class Messaging {

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new MapGetter();
  private static final TextMapGetter<Function<String, String>> FUNCTION_GETTER = new FunctionGetter();

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final String system;

  private Messaging(OpenTelemetry openTelemetry, String system) {
    this.tracer = openTelemetry.getTracer(TraceyardBuilder.INSTRUMENTATION_NAME);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.system = system;
  }

  /** @param system the {@code messaging.system} value: {@code rabbitmq}, {@code aws_sqs}, {@code kafka}, ... */
  public static Messaging create(OpenTelemetry openTelemetry, String system) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    if (system == null || system.isBlank()) {
      throw new IllegalArgumentException("messaging system must not be blank");
    }
    return new Messaging(openTelemetry, system);
  }

  /**
   * Starts the PRODUCER span ({@code send <destination>}) as a child of the current context and writes its
   * context (traceparent, baggage) into {@code headers}. Send the message, then end the span.
   */
  public Span startSend(String destination, Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers");
    return startSend(destination, headers, Map::put);
  }

  /** {@link #startSend(String, Map)} for messages whose headers are set one by one. */
  public Span startSend(String destination, BiConsumer<String, String> headerSetter) {
    Objects.requireNonNull(headerSetter, "headerSetter");
    return startSend(destination, headerSetter, BiConsumer::accept);
  }

  /** {@link #startSend(String, Map)} for any carrier. */
  public <C> Span startSend(String destination, C carrier, TextMapSetter<C> setter) {
    Span span = span("send", destination, SpanKind.PRODUCER, "send").setParent(Context.current()).startSpan();
    propagator.inject(Context.current().with(span), carrier, setter);
    return span;
  }

  /**
   * The context a message carries (producer's span and baggage, within the baggage guard's limits); make
   * it current around the handling of that message to keep its baggage.
   */
  public Context extract(Map<String, String> headers) {
    return propagator.extract(Context.current(), headers, MAP_GETTER);
  }

  /**
   * Starts the CONSUMER span ({@code process <destination>}) for one message, child of the producer's span
   * found in {@code headers}. Make it current while handling the message, then end it.
   */
  public Span startProcess(String destination, Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers");
    return startProcess(destination, headers, MAP_GETTER);
  }

  /** {@link #startProcess(String, Map)} for messages whose headers are read one by one. */
  public Span startProcess(String destination, Function<String, String> headerGetter) {
    Objects.requireNonNull(headerGetter, "headerGetter");
    return startProcess(destination, headerGetter, FUNCTION_GETTER);
  }

  /** {@link #startProcess(String, Map)} for any carrier. */
  public <C> Span startProcess(String destination, C carrier, TextMapGetter<C> getter) {
    Context parent = propagator.extract(Context.current(), carrier, getter);
    return span("process", destination, SpanKind.CONSUMER, "process").setParent(parent).startSpan();
  }

  /**
   * Handles one message inside its CONSUMER span, with the message's baggage current; a thrown exception
   * is recorded on the span (status ERROR) and rethrown.
   */
  public void process(String destination, Map<String, String> headers, Runnable handler) {
    Objects.requireNonNull(handler, "handler");
    Context parent = extract(headers);
    Span span = span("process", destination, SpanKind.CONSUMER, "process").setParent(parent).startSpan();
    try (Scope ignored = parent.with(span).makeCurrent()) {
      handler.run();
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * Starts one CONSUMER span ({@code process <destination>}) for messages handled together, child of the
   * current context (the poll loop's), with a link to each message's producer span: a batch has many
   * parents, and a link keeps every producer's trace one click from the consumer's work.
   */
  public Span startProcessBatch(String destination, Collection<Map<String, String>> headersOfEachMessage) {
    return startProcessBatch(destination, headersOfEachMessage, MAP_GETTER);
  }

  /** {@link #startProcessBatch(String, Collection)} for any carrier. */
  public <C> Span startProcessBatch(String destination, Collection<C> carriers, TextMapGetter<C> getter) {
    SpanBuilder builder =
        span("process", destination, SpanKind.CONSUMER, "process")
            .setParent(Context.current())
            .setAttribute(BATCH_COUNT, (long) carriers.size());
    for (C carrier : carriers) {
      SpanContext producer =
          Span.fromContext(propagator.extract(Context.root(), carrier, getter)).getSpanContext();
      if (producer.isValid()) {
        builder.addLink(producer);
      }
    }
    return builder.startSpan();
  }

  private SpanBuilder span(String operation, String destination, SpanKind kind, String type) {
    if (destination == null || destination.isBlank()) {
      throw new IllegalArgumentException("destination must not be blank");
    }
    return tracer
        .spanBuilder(operation + " " + destination)
        .setSpanKind(kind)
        .setAttribute(SYSTEM, system)
        .setAttribute(DESTINATION, destination)
        .setAttribute(OPERATION_TYPE, type)
        .setAttribute(OPERATION_NAME, operation);
  }

  private static final class MapGetter implements TextMapGetter<Map<String, String>> {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      if (carrier == null) {
        return null;
      }
      String value = carrier.get(key);
      if (value != null) {
        return value;
      }
      // brokers and HTTP bridges may change the case of header names
      for (Map.Entry<String, String> entry : carrier.entrySet()) {
        if (entry.getKey().equalsIgnoreCase(key)) {
          return entry.getValue();
        }
      }
      return null;
    }
  }

  private static final class FunctionGetter implements TextMapGetter<Function<String, String>> {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return Collections.emptyList();
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  }
}
