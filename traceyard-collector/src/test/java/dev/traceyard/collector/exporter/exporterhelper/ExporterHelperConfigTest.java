package dev.traceyard.collector.exporter.exporterhelper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Factory;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.ExporterTesting.Parsed;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExporterHelperConfigTest {

  private static final Factory<ExporterHelperConfig> HELPER = new Factory<>() {
    @Override
    public String type() {
      return "otlp";
    }

    @Override
    public ExporterHelperConfig parseConfig(ConfigNode node) {
      return ExporterHelperConfig.parse(node);
    }
  };

  private static Parsed<ExporterHelperConfig> parse(String yaml) {
    return ExporterTesting.parse(HELPER, "otlp", yaml);
  }

  @Test
  void empty_givesOtelcolDefaults() {
    Parsed<ExporterHelperConfig> p = parse("");

    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(ExporterHelperConfig.defaults());
    assertThat(p.config().timeout()).isEqualTo(Duration.ofSeconds(5));
    QueueConfig q = p.config().queue();
    assertThat(q.enabled()).isTrue();
    assertThat(q.numConsumers()).isEqualTo(10);
    assertThat(q.queueSize()).isEqualTo(1000);
    assertThat(q.sizer()).isEqualTo(QueueConfig.Sizer.REQUESTS);
    assertThat(q.blockOnOverflow()).isFalse();
    assertThat(q.storage()).isNull();
    RetryConfig r = p.config().retry();
    assertThat(r.enabled()).isTrue();
    assertThat(r.initialInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(r.randomizationFactor()).isEqualTo(0.5);
    assertThat(r.multiplier()).isEqualTo(1.5);
    assertThat(r.maxInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.maxElapsedTime()).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void everyKey_isRead() {
    Parsed<ExporterHelperConfig> p = parse(String.join("\n",
        "timeout: 2s",
        "sending_queue:",
        "  enabled: true",
        "  num_consumers: 3",
        "  queue_size: 5000",
        "  sizer: items",
        "  block_on_overflow: true",
        "  storage: file_storage/queue",
        "retry_on_failure:",
        "  enabled: true",
        "  initial_interval: 100ms",
        "  randomization_factor: 0.1",
        "  multiplier: 2",
        "  max_interval: 1s",
        "  max_elapsed_time: 0"));

    assertThat(p.errors()).isEmpty();
    assertThat(p.config()).isEqualTo(new ExporterHelperConfig(Duration.ofSeconds(2),
        new QueueConfig(true, 3, 5000, QueueConfig.Sizer.ITEMS, true, ComponentId.parse("file_storage/queue")),
        new RetryConfig(true, Duration.ofMillis(100), 0.1, 2, Duration.ofSeconds(1), Duration.ZERO)));
  }

  @Test
  void blocking_isAcceptedAsTheOlderNameOfBlockOnOverflow() {
    assertThat(parse("sending_queue:\n  blocking: true").config().queue().blockOnOverflow()).isTrue();
  }

  @Test
  void badValues_areReportedWithTheirPaths() {
    Parsed<ExporterHelperConfig> p = parse(String.join("\n",
        "timeout: -1s",
        "sending_queue:",
        "  num_consumers: 0",
        "  queue_size: -5",
        "  sizer: bytes",
        "retry_on_failure:",
        "  initial_interval: soon",
        "  randomization_factor: 2",
        "  multiplier: 0",
        "  max_elapsed_time: -1m"));

    assertThat(p.errors()).containsExactly(
        "exporters.otlp.timeout: must not be negative, got -1s",
        "exporters.otlp.sending_queue.num_consumers: must be between 1 and 10000, got 0",
        "exporters.otlp.sending_queue.queue_size: must be positive, got -5",
        "exporters.otlp.sending_queue.sizer: 'bytes' is not supported yet (use requests or items)",
        "exporters.otlp.retry_on_failure.initial_interval: invalid duration 'soon' (use a number with a unit: ns, us, ms, s, m, h, e.g. 200ms or 1m30s)",
        "exporters.otlp.retry_on_failure.randomization_factor: must be between 0 and 1, got 2.0",
        "exporters.otlp.retry_on_failure.multiplier: must be positive, got 0.0",
        "exporters.otlp.retry_on_failure.max_elapsed_time: must not be negative, got -1m");
  }

  @Test
  void unknownSizer_namesTheKnownOnes() {
    assertThat(parse("sending_queue:\n  sizer: spans").errors()).containsExactly(
        "exporters.otlp.sending_queue.sizer: unknown value 'spans' (expected one of: requests, items, bytes)");
  }

  @Test
  void disabledQueueAndRetry_doNotValidateTheirNumbers() {
    Parsed<ExporterHelperConfig> p = parse(String.join("\n",
        "sending_queue:",
        "  enabled: false",
        "  num_consumers: 0",
        "retry_on_failure:",
        "  enabled: false",
        "  multiplier: 0"));

    assertThat(p.errors()).isEmpty();
    assertThat(p.config().queue().enabled()).isFalse();
    assertThat(p.config().retry().enabled()).isFalse();
  }

  @Test
  void unsupportedFeatures_areRefusedClearlyRatherThanIgnored() {
    Parsed<ExporterHelperConfig> p = parse(String.join("\n",
        "sending_queue:",
        "  wait_for_result: true",
        "  batch:",
        "    flush_timeout: 1s",
        "  storage: 'bad id/'"));

    assertThat(p.errors()).containsExactly(
        "exporters.otlp.sending_queue.wait_for_result: true is not supported yet: the queue acknowledges a batch once it is queued",
        "exporters.otlp.sending_queue.batch: batching in the sending queue is not supported yet; use the batch processor",
        "exporters.otlp.sending_queue.storage: invalid component id 'bad id/': the type must start with a letter and contain only letters, digits and '_'");
  }

  @Test
  void misspelledKey_isReportedAsUnknown() {
    assertThat(parse("retry_on_failure:\n  max_elapsed: 1m").errors()).singleElement().asString()
        .startsWith("exporters.otlp.retry_on_failure.max_elapsed: unknown key 'max_elapsed' (known keys: ");
  }
}
