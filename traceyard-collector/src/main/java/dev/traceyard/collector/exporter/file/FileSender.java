package dev.traceyard.collector.exporter.file;

import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.exporterhelper.Sender;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/** Appends each batch to the file as one record and flushes every {@code flush_interval}. */
final class FileSender implements Sender {
  private final FileExporterConfig config;
  private final Logger logger;
  private final RateLimitedLogger flushLog;
  private final RotatingFile file;
  private ScheduledExecutorService flusher;

  FileSender(FileExporterConfig config, Logger logger, Clock clock) {
    this.config = config;
    this.logger = logger;
    this.flushLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.file = new RotatingFile(config.path(), config.rotation(), config.append(), clock);
  }

  @Override
  public void start(Host host) throws IOException {
    try {
      file.open();
    } catch (IOException e) {
      throw new IOException("cannot open " + config.path() + " for writing: " + e, e);
    }
    flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "traceyard-file-flush-" + config.path().getFileName());
      t.setDaemon(true);
      return t;
    });
    long every = config.flushInterval().toNanos();
    flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.NANOSECONDS);
  }

  private void flushQuietly() {
    try {
      file.flush();
    } catch (IOException e) {
      flushLog.warn("cannot flush {}: {}", config.path(), e.toString());
    }
  }

  @Override
  public ConsumeResult send(Batch batch) {
    try {
      file.write(encode(batch));
      return ConsumeResult.success();
    } catch (IOException e) {
      // Disk full or a vanished directory can heal: let the sender retry instead of dropping.
      return ConsumeResult.retryable("cannot write to " + config.path() + ": " + e, null);
    }
  }

  private byte[] encode(Batch batch) {
    if (!config.proto()) {
      byte[] json = OtlpJson.encode(batch.request()).getBytes(StandardCharsets.UTF_8);
      byte[] line = new byte[json.length + 1];
      System.arraycopy(json, 0, line, 0, json.length);
      line[json.length] = '\n';
      return line;
    }
    byte[] proto = batch.request().toByteArray();
    return ByteBuffer.allocate(4 + proto.length).putInt(proto.length).put(proto).array();
  }

  @Override
  public void shutdown() {
    if (flusher != null) {
      flusher.shutdownNow();
    }
    try {
      file.close();
    } catch (IOException e) {
      logger.warn("cannot flush and close {}: data written last may be lost", config.path(), e);
    }
  }
}
