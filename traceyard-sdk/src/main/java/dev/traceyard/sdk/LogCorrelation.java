package dev.traceyard.sdk;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * Connects Logback to the trace: {@code trace_id}, {@code span_id} and {@code trace_flags} in the MDC of
 * every log event (OpenTelemetry's {@code opentelemetry-logback-mdc-1.0} appender wrapping the
 * root logger's appenders), and every log event sent over OTLP with its span (OpenTelemetry's
 * {@code opentelemetry-logback-appender-1.0} bridge). {@link Traceyard#init()} calls it when Logback and
 * those libraries are on the class path; both are optional dependencies of traceyard-sdk.
 *
 * <p>Log4j2 needs no code: put {@code opentelemetry-log4j-context-data-2.17-autoconfigure} on the class
 * path and use {@code %X{trace_id}} in the layout; {@code opentelemetry-log4j-appender-2.17} is the OTLP
 * bridge (see docs/sdk.md).
 */
public final class LogCorrelation {

  static final String MDC_APPENDER_NAME = "traceyard-mdc";
  static final String OTLP_APPENDER_NAME = "traceyard-otlp-logs";
  private static final String MDC_APPENDER =
      "io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender";
  private static final String OTLP_APPENDER =
      "io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender";

  private LogCorrelation() {}

  /** True when SLF4J is bound to Logback and at least one of the OpenTelemetry Logback libraries is present. */
  public static boolean logbackAvailable() {
    return present("ch.qos.logback.classic.LoggerContext")
        && (present(MDC_APPENDER) || present(OTLP_APPENDER))
        && isLogback(LoggerFactory.getILoggerFactory());
  }

  /**
   * Wires trace ids into the MDC and the OTLP log bridge on the root logger; idempotent. Does nothing
   * when Logback or the OpenTelemetry Logback libraries are absent.
   */
  public static void installLogback(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    if (logbackAvailable()) {
      Wiring.install(openTelemetry);
    }
  }

  static void installLogbackIfPresent(TraceyardSdk sdk) {
    installLogback(sdk);
  }

  private static boolean isLogback(Object factory) {
    return factory.getClass().getName().equals("ch.qos.logback.classic.LoggerContext");
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, LogCorrelation.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Touches Logback classes; loaded only once Logback is known to be there. */
  private static final class Wiring {
    static synchronized void install(OpenTelemetry openTelemetry) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      if (present(MDC_APPENDER) && root.getAppender(MDC_APPENDER_NAME) == null) {
        wrapInMdcAppender(context, root);
      }
      if (present(OTLP_APPENDER)) {
        if (root.getAppender(OTLP_APPENDER_NAME) == null && !hasOtlpAppender(root)) {
          var bridge = new io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender();
          bridge.setName(OTLP_APPENDER_NAME);
          bridge.setContext(context);
          bridge.start();
          root.addAppender(bridge);
        }
        // also reaches bridges declared in logback.xml
        io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender.install(openTelemetry);
      }
    }

    /** Moves the root logger's appenders behind one MDC appender that adds the span's ids to each event. */
    private static void wrapInMdcAppender(LoggerContext context, Logger root) {
      List<Appender<ILoggingEvent>> wrapped = new ArrayList<>();
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        Appender<ILoggingEvent> appender = it.next();
        String type = appender.getClass().getName();
        if (!type.equals(OTLP_APPENDER) && !type.equals(MDC_APPENDER)) {
          wrapped.add(appender);
        }
      }
      if (wrapped.isEmpty()) {
        return;
      }
      var mdc = new io.opentelemetry.instrumentation.logback.mdc.v1_0.OpenTelemetryAppender();
      mdc.setName(MDC_APPENDER_NAME);
      mdc.setContext(context);
      for (Appender<ILoggingEvent> appender : wrapped) {
        root.detachAppender(appender); // detaching does not stop it
        mdc.addAppender(appender);
      }
      mdc.start();
      root.addAppender(mdc);
    }

    private static boolean hasOtlpAppender(Logger root) {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next().getClass().getName().equals(OTLP_APPENDER)) {
          return true;
        }
      }
      return false;
    }
  }
}
