package dev.traceyard.server;

import dev.traceyard.collector.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Checks a configuration without starting anything: exit 0 when it can run, exit 2 with every error otherwise.")
final class ValidateCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "Configuration file; repeat to merge several in order, later files win.")
  List<Path> configs;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      ConfigFiles.load(configs);
      out.println("configuration is valid");
      return 0;
    } catch (ConfigException e) {
      err.println("configuration is invalid (" + e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s") + "):");
      e.errors().forEach(line -> err.println("  " + line));
      return Main.EXIT_CONFIG;
    }
  }
}
