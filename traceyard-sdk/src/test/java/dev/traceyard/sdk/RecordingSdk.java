package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;

/** An offline {@link TraceyardSdk} whose spans go to memory only, for tests that look at what was finished. */
final class RecordingSdk implements AutoCloseable {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final TraceyardSdk sdk = TraceyardTest.offline().addSpanExporter(spans).build();

  /** Every span finished so far; flushes the batch processor first. */
  List<SpanData> finished() {
    assertThat(sdk.forceFlush(Duration.ofSeconds(5))).isTrue();
    return spans.getFinishedSpanItems();
  }

  @Override
  public void close() {
    sdk.shutdown();
  }
}
