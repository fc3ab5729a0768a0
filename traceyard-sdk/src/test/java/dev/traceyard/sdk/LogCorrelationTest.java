package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogCorrelationTest {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private TraceyardSdk sdk;

  @BeforeEach
  void captureRootOutput() {
    lines.setName("test-lines");
    lines.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    lines.start();
    root.addAppender(lines);
  }

  @AfterEach
  void restoreLogback() {
    if (sdk != null) {
      sdk.shutdown();
    }
    Traceyard.resetForTest();
    // undo the wiring: put the wrapped appenders back on the root logger
    @SuppressWarnings("unchecked")
    AppenderAttachable<ILoggingEvent> mdc =
        (AppenderAttachable<ILoggingEvent>) root.getAppender(LogCorrelation.MDC_APPENDER_NAME);
    if (mdc != null) {
      List<Appender<ILoggingEvent>> inner = new ArrayList<>();
      for (Iterator<Appender<ILoggingEvent>> it = mdc.iteratorForAppenders(); it.hasNext(); ) {
        inner.add(it.next());
      }
      root.detachAppender(LogCorrelation.MDC_APPENDER_NAME);
      inner.forEach(root::addAppender);
    }
    root.detachAppender(LogCorrelation.OTLP_APPENDER_NAME);
    root.detachAppender(lines);
  }

  @Test
  void everyLogLineInASpanCarriesItsIdsInTheMdc() {
    // an SDK without any span processor hands out no-op spans: give it one
    sdk = TraceyardTest.offline().addSpanExporter(InMemorySpanExporter.create()).install();
    org.slf4j.Logger log = LoggerFactory.getLogger("checkout");
    Span span = sdk.getTracer("test").spanBuilder("charge").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      log.info("charging card");
    } finally {
      span.end();
    }
    log.info("outside any span");

    assertThat(lines.list).filteredOn(e -> e.getMessage().equals("charging card")).singleElement()
        .satisfies(
            event -> {
              assertThat(event.getMDCPropertyMap())
                  .containsEntry("trace_id", span.getSpanContext().getTraceId())
                  .containsEntry("span_id", span.getSpanContext().getSpanId())
                  .containsEntry("trace_flags", span.getSpanContext().getTraceFlags().asHex());
              assertThat(span.getSpanContext().isValid()).isTrue();
            });
    assertThat(lines.list).filteredOn(e -> e.getMessage().equals("outside any span")).singleElement()
        .satisfies(event -> assertThat(event.getMDCPropertyMap()).doesNotContainKey("trace_id"));
  }

  @Test
  void logsGoOutOverTheBridgeWithTheirSpanAndTheServiceResource() {
    InMemoryLogRecordExporter exported = InMemoryLogRecordExporter.create();
    sdk =
        TraceyardTest.offline()
            .serviceName("payments")
            .addSpanExporter(InMemorySpanExporter.create())
            .addLogRecordExporter(exported)
            .install();
    org.slf4j.Logger log = LoggerFactory.getLogger("payments");
    Span span = sdk.getTracer("test").spanBuilder("settle").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      log.warn("card declined");
    } finally {
      span.end();
    }
    assertThat(sdk.forceFlush(Duration.ofSeconds(5))).isTrue();
    assertThat(exported.getFinishedLogRecordItems())
        .filteredOn(record -> record.getBodyValue() != null && "card declined".equals(record.getBodyValue().asString()))
        .singleElement()
        .satisfies(
            (LogRecordData record) -> {
              assertThat(span.getSpanContext().isValid()).isTrue();
              assertThat(record.getSpanContext()).isEqualTo(span.getSpanContext());
              assertThat(record.getResource()).isEqualTo(sdk.resource());
              assertThat(record.getSeverityText()).isEqualTo("WARN");
            });
  }

  @Test
  void wiringTwiceDoesNotWrapTwice() {
    sdk = TraceyardTest.offline().install();
    LogCorrelation.installLogback(sdk);
    int mdcAppenders = 0;
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next().getName().equals(LogCorrelation.MDC_APPENDER_NAME)) {
        mdcAppenders++;
      }
    }
    assertThat(mdcAppenders).isEqualTo(1);
  }
}
