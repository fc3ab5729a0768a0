package dev.traceyard.server;

import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.service.ServiceConfig;
import java.nio.file.Path;
import java.util.List;

/** Test access to {@link StartCommand}'s configuration loading from other test packages. */
public final class StartCommandAccess {
  private StartCommandAccess() {}

  /** The configuration `traceyard start --config override --data-dir dataDir` runs. */
  public static ServiceConfig load(Path override, Path dataDir) throws ConfigException {
    StartCommand cmd = new StartCommand();
    cmd.configs = List.of(override);
    cmd.dataDir = dataDir;
    return cmd.load();
  }
}
