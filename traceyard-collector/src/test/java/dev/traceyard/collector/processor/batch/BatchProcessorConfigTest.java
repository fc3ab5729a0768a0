package dev.traceyard.collector.processor.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.traceyard.collector.Components;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.service.ServiceConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatchProcessorConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final ConfigErrors errors = new ConfigErrors();

  @Test
  void emptyConfig_usesOtelcolDefaults() throws Exception {
    BatchProcessorConfig c = parse("{}");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new BatchProcessorConfig(8192, Duration.ofMillis(200), 0));
    assertThat(c.pendingBound()).isEqualTo(81920);
  }

  @Test
  void allKeys_areRead() throws Exception {
    BatchProcessorConfig c = parse("send_batch_size: 100\ntimeout: 5s\nsend_batch_max_size: 150\n"
        + "metadata_keys: []\nmetadata_cardinality_limit: 10\n");
    assertThat(errors.list()).isEmpty();
    assertThat(c).isEqualTo(new BatchProcessorConfig(100, Duration.ofSeconds(5), 150));
    assertThat(c.pendingBound()).isEqualTo(1500);
  }

  @Test
  void maxSizeBelowSize_isAnErrorNamingThePath() throws Exception {
    parse("send_batch_size: 1000\nsend_batch_max_size: 500\n");
    assertThat(errors.list()).containsExactly("processors.batch.send_batch_max_size: must be greater than or equal to "
        + "send_batch_size (1000), got 500 (0 means no limit)");
  }

  @Test
  void maxSizeBelowDefaultSize_isAnError() throws Exception {
    parse("send_batch_max_size: 1000\n");
    assertThat(errors.list()).containsExactly("processors.batch.send_batch_max_size: must be greater than or equal to "
        + "send_batch_size (8192), got 1000 (0 means no limit)");
  }

  @Test
  void badValues_areReportedTogether() throws Exception {
    parse("send_batch_size: -1\ntimeout: -2s\nsend_batch_max_size: lots\n");
    assertThat(errors.list()).containsExactly(
        "processors.batch.send_batch_size: must be between 0 and 2147483647, got -1",
        "processors.batch.timeout: must not be negative, got -2s",
        "processors.batch.send_batch_max_size: expected an integer, got 'lots'");
  }

  @Test
  void metadataKeys_areRejectedAsUnsupported() throws Exception {
    parse("metadata_keys: [tenant]\n");
    assertThat(errors.list()).containsExactly("processors.batch.metadata_keys: is not supported: this build batches "
        + "each pipeline's data together, without a batcher per metadata value; remove the key");
  }

  @Test
  void unknownKey_isAnError() throws Exception {
    parse("send_batch_sise: 10\n");
    assertThat(errors.list()).containsExactly("processors.batch.send_batch_sise: unknown key 'send_batch_sise' (known keys: "
        + "metadata_cardinality_limit, metadata_keys, send_batch_max_size, send_batch_size, timeout)");
  }

  @Test
  void recordRejectsInconsistentSizes() {
    assertThatThrownBy(() -> new BatchProcessorConfig(10, Duration.ZERO, 5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serviceConfig_reportsBatchErrorWithComponentId() throws Exception {
    ObjectNode root = (ObjectNode) YAML.readTree("processors:\n  batch/small:\n    send_batch_size: 10\n"
        + "    send_batch_max_size: 5\n");
    assertThatThrownBy(() -> ServiceConfig.parse(root, Components.builtIn()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).contains(
            "processors.batch/small.send_batch_max_size: must be greater than or equal to send_batch_size (10), got 5 "
                + "(0 means no limit)"));
  }

  private BatchProcessorConfig parse(String yaml) throws Exception {
    ConfigNode node = ConfigNode.of(YAML.readTree(yaml), "processors.batch", errors);
    BatchProcessorConfig c = new BatchProcessorFactory().parseConfig(node);
    node.reportUnknownKeys();
    return c;
  }
}
