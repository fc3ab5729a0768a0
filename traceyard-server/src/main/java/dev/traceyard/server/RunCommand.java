package dev.traceyard.server;

import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.Durations;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.service.ServiceStartException;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs the pipelines of a configuration until SIGTERM or SIGINT, then drains and flushes.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "Configuration file; repeat to merge several in order, later files win.")
  List<Path> configs;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long to wait for buffered data to drain on shutdown (default: ${DEFAULT-VALUE}).")
  String shutdownTimeout;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Duration timeout;
    try {
      timeout = Durations.parse(shutdownTimeout);
    } catch (IllegalArgumentException e) {
      err.println("--shutdown-timeout: " + e.getMessage());
      return Main.EXIT_CONFIG;
    }
    ServiceConfig config;
    try {
      config = ConfigFiles.load(configs);
    } catch (ConfigException e) {
      err.println("configuration is invalid (" + e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s") + "):");
      e.errors().forEach(line -> err.println("  " + line));
      return Main.EXIT_CONFIG;
    }
    return runUntilSignalled(config, timeout, err);
  }

  static int runUntilSignalled(ServiceConfig config, Duration timeout, PrintWriter err) {
    return runUntilSignalled(config, timeout, err, service -> () -> {});
  }

  /**
   * Starts the service, calls {@code afterStart} (which returns what to stop before the drain), and
   * blocks until SIGTERM/SIGINT, then drains within {@code timeout}.
   */
  static int runUntilSignalled(ServiceConfig config, Duration timeout, PrintWriter err,
      java.util.function.Function<Service, Runnable> afterStart) {
    Logging.setLevel(config.telemetry().logLevel());
    Service service = Service.create(config, SelfTelemetry.create());
    try {
      service.start();
    } catch (ServiceStartException e) {
      err.println("traceyard: " + e.getMessage());
      err.flush();
      return Main.EXIT_START;
    }
    Runnable beforeStop = afterStart.apply(service);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      beforeStop.run();
      LOG.info("shutting down: draining buffered data (at most {})", Durations.format(timeout));
      boolean clean = service.shutdown(timeout);
      LOG.info(clean ? "shutdown complete" : "shutdown timed out");
      stopped.countDown();
    }, "traceyard-signal"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
