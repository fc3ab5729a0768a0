package dev.traceyard.collector.extension.filestorage;

import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelper;
import dev.traceyard.collector.exporter.exporterhelper.ExporterHelperConfig;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extension behind a real {@link ExporterHelper}, as {@code sending_queue.storage} wires it. */
class FileStorageExtensionTest {
  private static final ComponentId STORAGE = ComponentId.of("file_storage");

  @TempDir
  Path dir;

  /** Records names of the first span of each batch it is given, answering with a fixed result. */
  private static final class RecordingSender implements Sender {
    final Set<String> delivered = ConcurrentHashMap.newKeySet();
    final Function<Batch, ConsumeResult> answer;

    RecordingSender(Function<Batch, ConsumeResult> answer) {
      this.answer = answer;
    }

    @Override
    public ConsumeResult send(Batch batch) {
      ConsumeResult r = answer.apply(batch);
      if (r.isSuccess()) {
        delivered.add(firstSpan(batch));
      }
      return r;
    }
  }

  private static String firstSpan(Batch b) {
    return ((io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest) b.request())
        .getResourceSpans(0).getScopeSpans(0).getSpans(0).getName();
  }

  private record Running(FileStorageExtension storage, ExporterHelper exporter, SelfTelemetry telemetry) {
    void stop() {
      exporter.shutdown();
      storage.shutdown();
    }
  }

  private Running start(Sender sender) throws Exception {
    SelfTelemetry telemetry = SelfTelemetry.forTesting();
    FileStorageExtension ext = new FileStorageExtension(
        new ComponentSettings(STORAGE, ComponentKind.EXTENSION, telemetry),
        FileStorageConfig.of(dir).withFsync(Fsync.INTERVAL, Duration.ofMillis(50)));
    ext.start(ExporterTesting.NO_EXTENSIONS);
    ExporterHelperConfig config = ExporterTesting.parse(new dev.traceyard.collector.exporter.otlp.OtlpExporterFactory(),
        "otlp", "endpoint: localhost:1\nsending_queue:\n  storage: file_storage\n  num_consumers: 3\n"
            + "retry_on_failure:\n  initial_interval: 10ms\n  max_interval: 50ms\n").config().helper();
    Host host = id -> id.equals(STORAGE) ? Optional.of(ext) : Optional.empty();
    ExporterHelper exporter = ExporterHelper.builder(ExporterTesting.settings("otlp", telemetry), config, sender)
        .drainTimeout(Duration.ofMillis(200)).build();
    exporter.start(host);
    return new Running(ext, exporter, telemetry);
  }

  @Test
  void batchesQueuedWhileTheBackendIsDownAreDeliveredAfterARestart() throws Exception {
    Running first = start(new RecordingSender(b -> ConsumeResult.retryable("backend down", null)));
    List<String> names = List.of("a", "b", "c", "d", "e");
    for (String n : names) {
      assertThat(first.exporter().consume(traces(n, 2)).isSuccess()).isTrue();
    }
    first.stop();
    assertThat(first.telemetry().value("traceyard_exporter_send_failed_spans", "otlp"))
        .as("kept for the next start, not given up").isZero();

    RecordingSender up = new RecordingSender(b -> ConsumeResult.success());
    Running second = start(up);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> up.delivered.size() == names.size());
      assertThat(up.delivered).containsExactlyInAnyOrderElementsOf(
          names.stream().map(n -> n + "-0").collect(Collectors.toList()));
      await().atMost(Duration.ofSeconds(30))
          .until(() -> second.telemetry().value("traceyard_exporter_sent_spans", "otlp") == 10);
    } finally {
      second.stop();
    }
    Running third = start(new RecordingSender(b -> ConsumeResult.success()));
    try {
      assertThat(third.telemetry().value("traceyard_exporter_queue_recovered_batches", "otlp")).isZero();
    } finally {
      third.stop();
    }
  }

  @Test
  void batchRefusedPermanentlyIsNotDeliveredAgain() throws Exception {
    Running first = start(new RecordingSender(b -> ConsumeResult.permanent("bad request")));
    first.exporter().consume(traces("rejected", 1));
    await().atMost(Duration.ofSeconds(30))
        .until(() -> first.telemetry().value("traceyard_exporter_send_failed_spans", "otlp") == 1);
    first.stop();

    Running second = start(new RecordingSender(b -> ConsumeResult.success()));
    try {
      assertThat(second.telemetry().value("traceyard_exporter_queue_recovered_batches", "otlp")).isZero();
    } finally {
      second.stop();
    }
  }
}
