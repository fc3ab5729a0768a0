package dev.traceyard.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code service.telemetry.logs.level}. */
final class Logging {
  private Logging() {}

  static void setLevel(String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
      LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
      ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
