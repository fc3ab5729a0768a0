package dev.traceyard.collector.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.Signal;
import org.junit.jupiter.api.Test;

class SelfTelemetryTest {
  @Test
  void twoExportersQueues_areTwoSeriesOfOneGauge() {
    SelfTelemetry t = SelfTelemetry.forTesting();
    t.exporter(ComponentId.parse("otlp/a")).queue(() -> 3, () -> 10);
    t.exporter(ComponentId.parse("otlp/b")).queue(() -> 4, () -> 20);
    assertThat(t.scrape())
        .contains("traceyard_exporter_queue_size{exporter=\"otlp/a\"} 3.0")
        .contains("traceyard_exporter_queue_size{exporter=\"otlp/b\"} 4.0")
        .contains("traceyard_exporter_queue_capacity{exporter=\"otlp/b\"} 20.0");
  }

  @Test
  void receiverCounters_carryComponentAndTransportLabels() {
    SelfTelemetry t = SelfTelemetry.forTesting();
    t.receiver(ComponentId.parse("otlp"), "grpc").accepted(Signal.TRACES, 5);
    t.receiver(ComponentId.parse("otlp"), "http").refused(Signal.LOGS, 2);
    assertThat(t.value("traceyard_receiver_accepted_spans", "otlp", "grpc")).isEqualTo(5);
    assertThat(t.scrape())
        .contains("traceyard_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"grpc\"} 5.0")
        .contains("traceyard_receiver_refused_log_records_total{receiver=\"otlp\",transport=\"http\"} 2.0");
  }
}
