package dev.traceyard.demo;

import dev.traceyard.demo.DemoOptions.Service;
import java.io.PrintStream;
import java.net.URI;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the demo services as a program:
 *
 * <pre>
 * java -cp ... dev.traceyard.demo.DemoMain [--otlp-endpoint http://localhost:4317] [--rate 5]
 *     [--services frontend,checkout,payments,inventory] [--inventory-uri URI] [--checkout-uri URI]
 *     [--frontend-port N] [--inventory-port N] [--error-rate 0.03] [--slow-rate 0.05] [--seed N]
 *     [--quiet] [--agent]
 * </pre>
 *
 * {@code --agent} leaves telemetry to the OpenTelemetry Java agent ({@code -javaagent:...}) instead of
 * traceyard-sdk. Prints one {@code <service> <uri>} line per server and then {@code ready}; stops on
 * SIGTERM/Ctrl-C. Exit code 2 for bad arguments.
 */
public final class DemoMain {

  private DemoMain() {}

  public static void main(String[] args) throws InterruptedException {
    quietLibraries();
    DemoServices demo;
    try {
      demo = DemoServices.start(parse(args));
    } catch (IllegalArgumentException e) {
      System.err.println("demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      demo.close();
      stopped.countDown();
    }, "demo-shutdown"));
    PrintStream out = System.out;
    demo.frontendUri().ifPresent(u -> out.println("frontend " + u));
    demo.checkoutUri().ifPresent(u -> out.println("checkout " + u));
    demo.inventoryUri().ifPresent(u -> out.println("inventory " + u));
    out.println("ready");
    out.flush();
    stopped.await();
  }

  /** No logback.xml ships in this jar (it would clash with the server's): set the levels a program wants. */
  private static void quietLibraries() {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context
        && context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel() == ch.qos.logback.classic.Level.DEBUG) {
      // Logback's unconfigured default is DEBUG for everything
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.INFO);
      context.getLogger("com.linecorp.armeria").setLevel(ch.qos.logback.classic.Level.WARN);
      context.getLogger("io.netty").setLevel(ch.qos.logback.classic.Level.WARN);
      context.getLogger("io.micrometer").setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  static DemoOptions parse(String[] args) {
    DemoOptions.Builder b = DemoOptions.builder().consoleLogs(true);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--quiet" -> b.consoleLogs(false);
        case "--agent" -> b.useGlobalOpenTelemetry(true);
        case "--otlp-endpoint" -> b.otlpEndpoint(value(args, ++i, arg));
        case "--rate" -> b.requestsPerSecond(number(args, ++i, arg));
        case "--error-rate" -> b.errorRate(number(args, ++i, arg));
        case "--slow-rate" -> b.slowRate(number(args, ++i, arg));
        case "--seed" -> b.seed((long) number(args, ++i, arg));
        case "--frontend-port" -> b.frontendPort((int) number(args, ++i, arg));
        case "--inventory-port" -> b.inventoryPort((int) number(args, ++i, arg));
        case "--inventory-uri" -> b.inventoryUri(URI.create(value(args, ++i, arg)));
        case "--checkout-uri" -> b.checkoutUri(URI.create(value(args, ++i, arg)));
        case "--services" -> {
          EnumSet<Service> services = EnumSet.noneOf(Service.class);
          for (String name : value(args, ++i, arg).split(",")) {
            services.add(Service.parse(name.trim()));
          }
          b.services(services);
        }
        default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
    }
    return b.build();
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + ": a value is required");
    }
    return args[i];
  }

  private static double number(String[] args, int i, String option) {
    String v = value(args, i, option);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": '" + v + "' is not a number");
    }
  }
}
