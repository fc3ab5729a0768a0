package dev.traceyard.server;

import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.service.ServiceConfig;
import java.nio.file.Path;
import java.util.List;

/** Loads, merges and checks the {@code --config} files. */
final class ConfigFiles {
  private ConfigFiles() {}

  static ServiceConfig load(List<Path> files) throws ConfigException {
    return ServiceConfig.parse(ConfigLoader.withSystemEnv().load(files), Distribution.registry());
  }
}
