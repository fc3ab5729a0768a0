package dev.traceyard.collector.extension.filestorage;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Extension;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueueFactory;
import dev.traceyard.collector.exporter.exporterhelper.QueueConfig;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Holds persistent sending queues, one sub-directory per exporter; see {@link FileStorageExtensionFactory}. */
final class FileStorageExtension implements Extension, ExportQueueFactory {
  private final ComponentSettings settings;
  private final FileStorageConfig config;
  private final List<PersistentQueue> queues = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService flusher;

  FileStorageExtension(ComponentSettings settings, FileStorageConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public void start(Host host) throws IOException {
    String problem = FileStorageExtensionFactory.problemWith(config.directory(), config.createDirectory());
    if (problem != null) {
      throw new IOException("extensions." + settings.id() + ".directory: " + problem);
    }
    Files.createDirectories(config.directory());
    if (config.fsync() != Fsync.NEVER) {
      flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "traceyard-file-storage-" + settings.id());
        t.setDaemon(true);
        return t;
      });
      long ms = Math.max(1, config.fsyncInterval().toMillis());
      flusher.scheduleWithFixedDelay(() -> {
        for (PersistentQueue q : queues) {
          try {
            q.flush();
          } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log and keep flushing.
            settings.logger().warn("periodic fsync of {} failed: {}", q.directory(), e.toString());
          }
        }
      }, ms, ms, TimeUnit.MILLISECONDS);
    }
    settings.logger().info("file storage in {} (fsync {}, quota {} MiB per queue)", config.directory(),
        config.fsync().name().toLowerCase(java.util.Locale.ROOT), config.maxSizeBytes() / (double) FileStorageConfig.MIB);
  }

  @Override
  public ExportQueue createQueue(ComponentId exporter, QueueConfig queue) throws IOException {
    Path dir = config.directory().resolve(directoryName(exporter));
    PersistentQueue q = PersistentQueue.open(dir, config, queue, settings.logger(),
        new QueueMetrics(settings.telemetry(), exporter.toString()));
    queues.add(q);
    return q;
  }

  /**
   * {@code exporter_<type>[_<name>]}, as otelcol names its storage clients; characters that are not
   * safe in a file name are hex-escaped so two exporters never share a directory.
   */
  static String directoryName(ComponentId exporter) {
    StringBuilder b = new StringBuilder("exporter_").append(exporter.type());
    if (!exporter.name().isEmpty()) {
      b.append('_');
      for (byte c : exporter.name().getBytes(StandardCharsets.UTF_8)) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
          b.append((char) c);
        } else {
          b.append('~').append(String.format("%02x", c & 0xff));
        }
      }
    }
    return b.toString();
  }

  @Override
  public void shutdown() {
    if (flusher != null) {
      flusher.shutdownNow();
    }
    // Exporters stop their queues first; this covers one that did not.
    queues.forEach(PersistentQueue::stop);
  }
}
