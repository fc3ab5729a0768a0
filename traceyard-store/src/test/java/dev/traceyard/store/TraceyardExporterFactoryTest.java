package dev.traceyard.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TraceyardExporterFactoryTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static TraceyardExporterConfig parse(String yaml, ConfigErrors errors) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml.isEmpty() ? "{}" : yaml), "exporters.traceyard", errors);
    TraceyardExporterConfig c = new TraceyardExporterFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }

  @Test
  void defaults() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    TraceyardExporterConfig c = parse("", errors);

    assertThat(errors.list()).isEmpty();
    assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(c.retention()).isEqualTo(Duration.ofHours(72));
    assertThat(c.queryEnabled()).isTrue();
    assertThat(c.queryEndpoint()).isEqualTo(HostPort.of("localhost", 16686));
    assertThat(c.queueSize()).isEqualTo(200_000);
    assertThat(c.queueFullWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.memoryLimit()).isEqualTo("1GB");
    assertThat(c.checkpointThreshold()).isEqualTo("256MB");
    assertThat(c.duckdbThreads()).isZero();
    assertThat(c.queryWarmUp()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void everyKey() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    TraceyardExporterConfig c = parse("data_dir: /var/lib/traceyard\nretention: 24h\nqueue_size: 5000\n"
        + "queue_full_wait: 0s\nmemory_limit: 512MB\ncheckpoint_threshold: 64MB\nduckdb_threads: 3\n"
        + "query:\n  enabled: false\n  endpoint: 0.0.0.0:9999\n  warm_up: 0s\n", errors);

    assertThat(errors.list()).isEmpty();
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/traceyard"));
    assertThat(c.retention()).isEqualTo(Duration.ofHours(24));
    assertThat(c.queueSize()).isEqualTo(5000);
    assertThat(c.queueFullWait()).isZero();
    assertThat(c.memoryLimit()).isEqualTo("512MB");
    assertThat(c.checkpointThreshold()).isEqualTo("64MB");
    assertThat(c.duckdbThreads()).isEqualTo(3);
    assertThat(c.queryEnabled()).isFalse();
    assertThat(c.queryEndpoint()).isEqualTo(HostPort.of("0.0.0.0", 9999));
    assertThat(c.queryWarmUp()).isZero();
  }

  @Test
  void badValuesAndUnknownKeys_areReportedWithTheirPath() throws Exception {
    ConfigErrors errors = new ConfigErrors();
    parse("data_dir: ''\nretention: 30m\nqueue_size: 0\nqueue_full_wait: 10s\nmemory_limit: lots\n"
        + "checkpoint_threshold: often\nduckdb_threads: -1\nquery:\n  endpoint: nowhere\n  warm_up: 1h\n"
        + "  enabeld: true\nretension: 1h\n", errors);

    assertThat(errors.list()).containsExactlyInAnyOrder(
        "exporters.traceyard.data_dir: must not be empty",
        "exporters.traceyard.retention: must be at least 1h (data is kept in hourly partitions), got 30m",
        "exporters.traceyard.queue_size: must be between 1 and 100000000, got 0",
        "exporters.traceyard.queue_full_wait: must be at most 5s, got 10s",
        "exporters.traceyard.memory_limit: invalid size 'lots' (e.g. 512MB, 2GB)",
        "exporters.traceyard.checkpoint_threshold: invalid size 'often' (e.g. 16MB, 256MB)",
        "exporters.traceyard.duckdb_threads: must be between 0 and 256, got -1",
        "exporters.traceyard.query.endpoint: invalid endpoint 'nowhere': expected host:port, e.g. localhost:4317",
        "exporters.traceyard.query.warm_up: must be at most 10m, got 1h",
        "exporters.traceyard.retension: unknown key 'retension' (known keys: checkpoint_threshold, data_dir,"
            + " duckdb_threads, memory_limit, query, queue_full_wait, queue_size, retention)",
        "exporters.traceyard.query.enabeld: unknown key 'enabeld' (known keys: enabled, endpoint, warm_up)");
  }
}
