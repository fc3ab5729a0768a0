package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.component.ComponentId;
import java.io.IOException;

/**
 * Implemented by extensions that can hold an exporter's queue outside memory, named in
 * {@code sending_queue.storage} (otelcol's {@code file_storage}). Called at the exporter's start.
 */
public interface ExportQueueFactory {

  /**
   * @param exporter the owning exporter, so each exporter gets its own queue
   * @param config the exporter's queue settings (capacity and sizer)
   */
  ExportQueue createQueue(ComponentId exporter, QueueConfig config) throws IOException;
}
