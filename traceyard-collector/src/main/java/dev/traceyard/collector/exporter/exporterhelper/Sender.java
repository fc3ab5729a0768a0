package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.component.Component;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;

/**
 * What an exporter implements: one synchronous attempt to deliver a batch. {@link ExporterHelper}
 * adds the queue, the retries and the self-telemetry around it.
 *
 * <p>An attempt must end within the exporter's own {@code timeout} and must not throw: a
 * retryable result (with {@link ConsumeResult#retryAfter()} when the destination said when to come
 * back) is retried with backoff, a permanent one is counted and dropped, a partial success counts
 * its rejected items as failed. {@link #start} runs before the first send and {@link #shutdown}
 * after the last one.
 */
@FunctionalInterface
public interface Sender extends Component {

  ConsumeResult send(Batch batch);
}
