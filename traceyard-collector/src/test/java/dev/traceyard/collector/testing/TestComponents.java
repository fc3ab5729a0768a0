package dev.traceyard.collector.testing;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Connector;
import dev.traceyard.collector.component.ConnectorFactory;
import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.ProcessorFactory;
import dev.traceyard.collector.component.Receiver;
import dev.traceyard.collector.component.ReceiverFactory;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.service.ComponentRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Minimal components for testing the config and the service graph without network: a receiver that
 * exposes its consumer, a processor that tags nothing but counts, an exporter that records batches.
 */
public final class TestComponents {
  private TestComponents() {}

  public static ComponentRegistry registry() {
    return addTo(ComponentRegistry.builder()).build();
  }

  /** Adds the test components to {@code builder}, e.g. to run them next to the built-in ones. */
  public static ComponentRegistry.Builder addTo(ComponentRegistry.Builder builder) {
    return builder
        .receiver(new PushReceiverFactory())
        .processor(new CountingProcessorFactory())
        .exporter(new RecordingExporterFactory("recording", Set.of(Signal.values())))
        .exporter(new RecordingExporterFactory("tracesonly", Set.of(Signal.TRACES)))
        .connector(new SpansToLogsConnectorFactory());
  }

  /** Config of the test components: a couple of typed keys to exercise the reader. */
  public record Settings(int size, Duration waitFor, String mode) {
    static Settings parse(ConfigNode node) {
      return new Settings(node.intAtLeast("size", 1, 1), node.duration("wait", Duration.ofSeconds(1)),
          node.oneOf("mode", "fast", "fast", "slow"));
    }
  }

  /** Numbers lifecycle calls across components, to check their order. */
  public static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

  /** A receiver whose consumer tests call directly. */
  public static final class PushReceiver implements Receiver {
    public final Consumer next;
    public final Set<Signal> wired;
    public volatile boolean started;
    public volatile long startedAt;
    public volatile boolean stopped;

    PushReceiver(Consumer next, Set<Signal> wired) {
      this.next = next;
      this.wired = wired;
    }

    @Override
    public void start(dev.traceyard.collector.component.Host host) {
      started = true;
      startedAt = SEQUENCE.incrementAndGet();
    }

    @Override
    public void shutdown() {
      stopped = true;
    }
  }

  static final class PushReceiverFactory implements ReceiverFactory<Settings> {
    @Override
    public String type() {
      return "push";
    }

    @Override
    public Settings parseConfig(ConfigNode node) {
      return Settings.parse(node);
    }

    @Override
    public Set<Signal> signals() {
      return Set.of(Signal.values());
    }

    @Override
    public Receiver create(ComponentSettings settings, Settings config, Consumer next, Set<Signal> wired) {
      return new PushReceiver(next, wired);
    }
  }

  /** Emits one log record per span it takes: traces in, logs out. */
  static final class SpansToLogsConnectorFactory implements ConnectorFactory<Settings> {
    @Override
    public String type() {
      return "spanstologs";
    }

    @Override
    public Settings parseConfig(ConfigNode node) {
      return Settings.parse(node);
    }

    @Override
    public Set<Signal> inputs() {
      return Set.of(Signal.TRACES);
    }

    @Override
    public Set<Signal> outputs() {
      return Set.of(Signal.LOGS);
    }

    @Override
    public Connector create(ComponentSettings settings, Settings config, Consumer next) {
      return new Connector() {
        @Override
        public ConsumeResult consume(Batch batch) {
          io.opentelemetry.proto.logs.v1.ScopeLogs.Builder logs = io.opentelemetry.proto.logs.v1.ScopeLogs.newBuilder();
          for (int i = 0; i < batch.itemCount(); i++) {
            logs.addLogRecords(io.opentelemetry.proto.logs.v1.LogRecord.getDefaultInstance());
          }
          return next.consume(Batch.of(io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder()
              .addResourceLogs(io.opentelemetry.proto.logs.v1.ResourceLogs.newBuilder().addScopeLogs(logs)).build()));
        }
      };
    }
  }

  static final class CountingProcessorFactory implements ProcessorFactory<Settings> {
    @Override
    public String type() {
      return "counting";
    }

    @Override
    public Settings parseConfig(ConfigNode node) {
      return Settings.parse(node);
    }

    @Override
    public Set<Signal> signals() {
      return Set.of(Signal.TRACES, Signal.LOGS);
    }

    @Override
    public Processor create(ComponentSettings settings, Settings config, Signal signal, Consumer next) {
      return new Processor() {
        @Override
        public ConsumeResult consume(Batch batch) {
          settings.telemetry().processor(settings.id()).incoming(signal, batch.itemCount());
          return next.consume(batch);
        }
      };
    }
  }

  /** An exporter that records what it gets and answers with a settable result. */
  public static final class RecordingExporter implements Exporter {
    public final List<Batch> batches = new CopyOnWriteArrayList<>();
    public volatile ConsumeResult answer = ConsumeResult.success();
    public final List<Long> readyAt = new CopyOnWriteArrayList<>();

    @Override
    public void ready() {
      readyAt.add(SEQUENCE.incrementAndGet());
    }

    @Override
    public ConsumeResult consume(Batch batch) {
      batches.add(batch);
      return answer;
    }
  }

  static final class RecordingExporterFactory implements ExporterFactory<Settings> {
    private final String type;
    private final Set<Signal> signals;

    RecordingExporterFactory(String type, Set<Signal> signals) {
      this.type = type;
      this.signals = signals;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public Settings parseConfig(ConfigNode node) {
      return Settings.parse(node);
    }

    @Override
    public Set<Signal> signals() {
      return signals;
    }

    @Override
    public Exporter create(ComponentSettings settings, Settings config) {
      return new RecordingExporter();
    }
  }
}
