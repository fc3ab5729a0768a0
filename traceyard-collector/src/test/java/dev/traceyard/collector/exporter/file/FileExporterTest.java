package dev.traceyard.collector.exporter.file;

import static dev.traceyard.collector.exporter.ExporterTesting.NO_EXTENSIONS;
import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.metrics;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.exporter.ExporterTesting;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();

  private Exporter start(String yaml) throws Exception {
    ExporterTesting.Parsed<FileExporterConfig> p = ExporterTesting.parse(new FileExporterFactory(), "file", yaml);
    assertThat(p.errors()).isEmpty();
    Exporter e = new FileExporterFactory().create(ExporterTesting.settings("file", telemetry), p.config());
    e.start(NO_EXTENSIONS);
    return e;
  }

  private static List<String> lines(Path p) throws Exception {
    return Files.readAllLines(p, StandardCharsets.UTF_8);
  }

  /** A clock that moves one second forward each time it is read, so backups get distinct names. */
  private static final class TickingClock extends Clock {
    private Instant now = Instant.parse("2026-03-01T10:00:00Z");
    private final ZoneId zone;

    TickingClock(ZoneId zone) {
      this.zone = zone;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    /** Returns itself, so that {@link #advance} reaches the clock the writer holds. */
    @Override
    public Clock withZone(ZoneId z) {
      return this;
    }

    @Override
    public Instant instant() {
      now = now.plusSeconds(1);
      return now;
    }
  }

  @Test
  void jsonFormat_writesOneOtlpJsonRequestPerLine_decodableWithOtlpJson() throws Exception {
    Path file = dir.resolve("out.json");
    Exporter e = start("path: " + file);
    TraceBatch t = traces("GET /cart", 3);
    MetricBatch m = metrics("queue.depth", 2);
    LogBatch l = logs("line\nwith newline", 2);

    assertThat(e.consume(t).isSuccess()).isTrue();
    assertThat(e.consume(m).isSuccess()).isTrue();
    assertThat(e.consume(l).isSuccess()).isTrue();
    e.shutdown();

    List<String> lines = lines(file);
    assertThat(lines).hasSize(3);
    assertThat(OtlpJson.decodeTraces(lines.get(0).getBytes(StandardCharsets.UTF_8))).isEqualTo(t.request());
    assertThat(OtlpJson.decodeMetrics(lines.get(1).getBytes(StandardCharsets.UTF_8))).isEqualTo(m.request());
    assertThat(OtlpJson.decodeLogs(lines.get(2).getBytes(StandardCharsets.UTF_8))).isEqualTo(l.request());
    assertThat(lines.get(0)).startsWith("{\"resourceSpans\":[");
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "file")).isEqualTo(3);
  }

  @Test
  void protoFormat_writesBigEndianLengthPrefixedRequests() throws Exception {
    Path file = dir.resolve("out.bin");
    Exporter e = start("path: " + file + "\nformat: proto");
    TraceBatch t = traces("a", 2);
    LogBatch l = logs("b", 1);
    e.consume(t);
    e.consume(l);
    e.shutdown();

    DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)));
    byte[] first = new byte[in.readInt()];
    in.readFully(first);
    byte[] second = new byte[in.readInt()];
    in.readFully(second);
    assertThat(ExportTraceServiceRequest.parseFrom(first)).isEqualTo(t.request());
    assertThat(ExportLogsServiceRequest.parseFrom(second)).isEqualTo(l.request());
    assertThatThrownBy(in::readInt).isInstanceOf(EOFException.class);
  }

  @Test
  void flushInterval_makesDataVisibleWithoutShutdown() throws Exception {
    Path file = dir.resolve("live.json");
    Exporter e = start("path: " + file + "\nflush_interval: 50ms");
    try {
      e.consume(traces("visible", 1));
      await().atMost(WAIT).until(() -> Files.size(file) > 0);
      assertThat(lines(file)).hasSize(1);
    } finally {
      e.shutdown();
    }
  }

  @Test
  void appendFalse_truncatesWhatWasThere_appendTrue_keepsIt() throws Exception {
    Path file = dir.resolve("t.json");
    Files.writeString(file, "old line\n");
    Exporter truncating = start("path: " + file);
    truncating.consume(traces("new", 1));
    truncating.shutdown();
    assertThat(lines(file)).hasSize(1).noneMatch(s -> s.equals("old line"));

    Exporter appending = start("path: " + file + "\nappend: true");
    appending.consume(traces("more", 1));
    appending.shutdown();
    assertThat(lines(file)).hasSize(2);
  }

  @Test
  void concurrentWrites_neverInterleaveWithinALine() throws Exception {
    Path file = dir.resolve("busy.json");
    Exporter e = start("path: " + file);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      futures.add(pool.submit(() -> {
        for (int i = 0; i < 50; i++) {
          assertThat(e.consume(traces("span", 20)).isSuccess()).isTrue();
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    e.shutdown();

    List<String> lines = lines(file);
    assertThat(lines).hasSize(200);
    for (String line : lines) {
      assertThat(OtlpJson.decodeTraces(line.getBytes(StandardCharsets.UTF_8)).getResourceSpans(0)
          .getScopeSpans(0).getSpansCount()).isEqualTo(20);
    }
  }

  @Test
  void rotation_renamesWithTimestampAndKeepsMaxBackups() throws Exception {
    Path file = dir.resolve("data.json");
    RotatingFile rf = new RotatingFile(file, new FileExporterConfig.Rotation(100, 0, 2, false), false,
        new TickingClock(ZoneOffset.UTC));
    rf.open();
    for (int i = 0; i < 10; i++) {
      rf.write(String.format("%059d\n", i).getBytes(StandardCharsets.US_ASCII));
    }
    rf.close();

    List<Path> backups = rf.backups();
    assertThat(backups).hasSize(2);
    assertThat(backups).allSatisfy(p ->
        assertThat(p.getFileName().toString()).matches("data-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}\\.json"));
    // Newest first: the two records written just before the current file's.
    assertThat(lines(backups.get(0))).containsExactly(String.format("%059d", 8));
    assertThat(lines(backups.get(1))).containsExactly(String.format("%059d", 7));
    assertThat(lines(file)).containsExactly(String.format("%059d", 9));
    try (Stream<Path> all = Files.list(dir)) {
      assertThat(all.count()).isEqualTo(3);
    }
  }

  @Test
  void rotation_deletesBackupsOlderThanMaxDays() throws Exception {
    Path file = dir.resolve("old");
    TickingClock clock = new TickingClock(ZoneOffset.UTC);
    RotatingFile rf = new RotatingFile(file, new FileExporterConfig.Rotation(10, 3, 0, false), false, clock);
    rf.open();
    rf.write(new byte[8]);
    rf.write(new byte[8]);
    assertThat(rf.backups()).hasSize(1);
    clock.advance(Duration.ofDays(5));
    rf.write(new byte[8]);
    rf.close();

    List<Path> backups = rf.backups();
    assertThat(backups).hasSize(1);
    assertThat(backups.get(0).getFileName().toString()).startsWith("old-2026-03-06T");
  }

  @Test
  void rotationThroughConfig_keepsEveryRecordDecodableAcrossFiles() throws Exception {
    Path file = dir.resolve("big.json");
    Exporter e = start("path: " + file + "\nrotation:\n  max_megabytes: 1\n  max_backups: 2");
    List<TraceBatch> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      TraceBatch b = traces("batch-" + i, 2500);
      sent.add(b);
      assertThat(e.consume(b).isSuccess()).isTrue();
    }
    e.shutdown();

    List<Path> files;
    try (Stream<Path> all = Files.list(dir)) {
      files = all.sorted().collect(Collectors.toList());
    }
    assertThat(files).hasSize(3);
    long spans = 0;
    for (Path f : files) {
      assertThat(Files.size(f)).isLessThanOrEqualTo(1024 * 1024);
      for (String line : lines(f)) {
        spans += OtlpJson.decodeTraces(line.getBytes(StandardCharsets.UTF_8)).getResourceSpans(0)
            .getScopeSpans(0).getSpansCount();
      }
    }
    // Older files beyond max_backups are gone by design; what is kept is whole and readable.
    assertThat(spans).isGreaterThan(0).isLessThan(6 * 2500);
    assertThat(lines(file).get(lines(file).size() - 1)).contains("batch-5-0");
  }

  @Test
  void unwritablePath_failsStartNamingThePath() throws Exception {
    Path blocker = dir.resolve("not-a-dir");
    Files.writeString(blocker, "x");
    Path file = blocker.resolve("out.json");
    ExporterTesting.Parsed<FileExporterConfig> p =
        ExporterTesting.parse(new FileExporterFactory(), "file", "path: " + file);
    Exporter e = new FileExporterFactory().create(ExporterTesting.settings("file", telemetry), p.config());

    assertThatThrownBy(() -> e.start(NO_EXTENSIONS)).hasMessageContaining(file.toString());
  }

  @Test
  void batchesOfEverySignal_areCounted() throws Exception {
    Exporter e = start("path: " + dir.resolve("c.json"));
    List<Batch> batches = List.of(traces("a", 2), metrics("m", 3), logs("l", 4));
    batches.forEach(e::consume);
    e.shutdown();
    assertThat(telemetry.value("traceyard_exporter_sent_spans", "file")).isEqualTo(2);
    assertThat(telemetry.value("traceyard_exporter_sent_metric_points", "file")).isEqualTo(3);
    assertThat(telemetry.value("traceyard_exporter_sent_log_records", "file")).isEqualTo(4);
  }
}
