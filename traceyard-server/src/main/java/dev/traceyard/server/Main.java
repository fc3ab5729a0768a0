package dev.traceyard.server;

import dev.traceyard.server.loadgen.LoadgenCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code traceyard} command line. */
@Command(
    name = "traceyard",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "OpenTelemetry tracing pipeline: collector (agent or gateway), store, query API and UI.",
    subcommands = {StartCommand.class, RunCommand.class, ValidateCommand.class, LoadgenCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  /** Exit code for a configuration the service cannot run (as the issue and otelcol users expect). */
  static final int EXIT_CONFIG = 2;
  /** Exit code when the service could not start (port in use, unreadable file). */
  static final int EXIT_START = 1;

  public static void main(String[] args) {
    nettyDefaults();
    System.exit(commandLine().execute(args));
  }

  /**
   * Netty reads its allocator choice once, when its first buffer class loads, so this must run before
   * anything touches Armeria. Netty 4.2's default adaptive allocator kept growing and retaining direct
   * chunks under a flood of large requests until {@code -XX:MaxDirectMemorySize} (by default {@code -Xmx})
   * was exhausted (docs/reliability.md, "Direct memory under a heavier flood"); the pooled allocator's
   * arenas stay bounded. An explicit {@code -Dio.netty.allocator.type} still wins.
   */
  static void nettyDefaults() {
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("traceyard: " + ex.getMessage());
      return EXIT_START;
    });
    return cl;
  }

  static String version() {
    Properties p = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return p.getProperty("version", "unknown");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"traceyard " + version() + " (Java " + System.getProperty("java.version") + ")"};
    }
  }
}
