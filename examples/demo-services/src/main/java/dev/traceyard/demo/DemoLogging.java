package dev.traceyard.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Logging of the demo services. Each service logs under its own logger ({@code dev.traceyard.demo.<service>})
 * and that logger gets its own OpenTelemetry log bridge appender bound to the service's SDK, so a log record
 * leaves with the right Resource even with four SDKs in one JVM (the SDK's global wiring,
 * {@code LogCorrelation.installLogback}, assumes one SDK per process). Above them, one
 * OpenTelemetry MDC appender on {@code dev.traceyard.demo} puts {@code trace_id}/{@code span_id} in the MDC
 * of every event before its console output. Demo logs do not reach the root logger: inside
 * {@code traceyard start --demo} they belong in the UI, not in the server's console.
 */
final class DemoLogging implements AutoCloseable {

  static final String DEMO_LOGGER = DemoServices.LOGGER;
  static final String MDC_APPENDER = DemoServices.MDC_APPENDER;
  private static final String CONSOLE_APPENDER = "traceyard-demo-console";
  private static final String OTLP_APPENDER_PREFIX = "traceyard-demo-otlp-";

  private final List<Runnable> undo = new ArrayList<>();

  private DemoLogging() {}

  /**
   * @param bridges the SDK to send each service's log records to; empty when the Java agent exports logs
   */
  static DemoLogging install(Map<DemoOptions.Service, OpenTelemetry> bridges, boolean console) {
    DemoLogging logging = new DemoLogging();
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      LoggerFactory.getLogger(DemoLogging.class)
          .warn("SLF4J is not bound to Logback: demo logs carry no trace ids and are not exported");
      return logging;
    }
    Logger demo = context.getLogger(DEMO_LOGGER);
    demo.setLevel(Level.INFO);
    demo.setAdditive(false);
    synchronized (DemoLogging.class) {
      var mdc = (io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender) demo.getAppender(MDC_APPENDER);
      if (mdc == null) {
        mdc = new io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender();
        mdc.setName(MDC_APPENDER);
        mdc.setContext(context);
        mdc.start();
        demo.addAppender(mdc);
      }
      if (console && mdc.getAppender(CONSOLE_APPENDER) == null) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} trace_id=%X{trace_id} span_id=%X{span_id} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setName(CONSOLE_APPENDER);
        out.setContext(context);
        out.setEncoder(encoder);
        out.start();
        mdc.addAppender(out);
        var owner = mdc;
        logging.undo.add(() -> owner.detachAppender(CONSOLE_APPENDER));
      }
    }
    bridges.forEach((service, openTelemetry) -> {
      Logger logger = context.getLogger(service.loggerName());
      var bridge = new io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender();
      bridge.setName(OTLP_APPENDER_PREFIX + service.serviceName());
      bridge.setContext(context);
      bridge.setCaptureExperimentalAttributes(true); // thread name and id
      bridge.setCaptureCodeAttributes(false);
      bridge.setOpenTelemetry(openTelemetry);
      bridge.start();
      logger.detachAppender(bridge.getName()); // a previous run in this JVM
      logger.addAppender(bridge);
      logging.undo.add(() -> {
        logger.detachAppender(bridge);
        bridge.stop();
      });
    });
    return logging;
  }

  @Override
  public void close() {
    undo.forEach(Runnable::run);
    undo.clear();
  }
}
