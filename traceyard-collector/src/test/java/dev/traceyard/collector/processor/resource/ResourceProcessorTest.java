package dev.traceyard.collector.processor.resource;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.resource;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.LogBatch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceProcessorTest {
  private static final String CONFIG = String.join("\n",
      "attributes:",
      "  - {key: deployment.environment, value: prod, action: insert}",
      "  - {key: service.namespace, value: shop, action: upsert}",
      "  - {key: host.name, action: hash}",
      "  - {key: process.command_line, action: delete}",
      "  - {key: k8s.pod.name, pattern: '^(?P<k8s.deployment.name>[a-z-]+)-[0-9a-f]+-[0-9a-z]+$', action: extract}",
      "");

  private final ResourceProcessorFactory factory = new ResourceProcessorFactory();
  private final Capture out = new Capture();

  private Processor processor(Signal signal) {
    return ProcessorFixtures.create(factory, ProcessorFixtures.valid(factory, CONFIG), signal, out,
        SelfTelemetry.forTesting());
  }

  @Test
  void actions_changeTheResource_andKeepSpanInstances() {
    TraceBatch in = ProcessorFixtures.traces(resource(kv("service.name", "cart"), kv("host.name", "node-1"),
        kv("process.command_line", "java -Dpassword=x"), kv("k8s.pod.name", "cart-api-7d9f8b-x2kq9")),
        span("a").build(), span("b").build());

    processor(Signal.TRACES).consume(in);

    TraceBatch got = (TraceBatch) out.last();
    assertThat(got.request().getResourceSpans(0).getResource().getAttributesList()).containsExactly(
        kv("service.name", "cart"),
        kv("host.name", "b36828398e513ae808e0c63582fb5dba635d7d15"),
        kv("k8s.pod.name", "cart-api-7d9f8b-x2kq9"),
        kv("deployment.environment", "prod"),
        kv("service.namespace", "shop"),
        kv("k8s.deployment.name", "cart-api"));
    assertThat(got.request().getResourceSpans(0).getScopeSpans(0))
        .isSameAs(in.request().getResourceSpans(0).getScopeSpans(0));
    assertThat(in.request().getResourceSpans(0).getResource().getAttributesCount()).isEqualTo(4);
  }

  @Test
  void logsAndMetrics_areSupported() {
    processor(Signal.LOGS).consume(ProcessorFixtures.logs(resource(), ProcessorFixtures.log("x").build()));
    processor(Signal.METRICS).consume(ProcessorFixtures.metrics(resource(), ProcessorFixtures.gauge("m", List.of())));

    assertThat(((LogBatch) out.batches.get(0)).request().getResourceLogs(0).getResource().getAttributesList())
        .contains(kv("deployment.environment", "prod"));
    assertThat(((MetricBatch) out.batches.get(1)).request().getResourceMetrics(0).getResource().getAttributesList())
        .contains(kv("service.namespace", "shop"));
  }

  @Test
  void configErrors_nameTheirPath() {
    assertThat(ProcessorFixtures.parse(factory, "resource", "{}").errors())
        .containsExactly("processors.resource.attributes: is required: list at least one action");
    assertThat(ProcessorFixtures.parse(factory, "resource", "attributes: [{key: a, action: insert}]\nactions: []\n").errors())
        .containsExactly(
            "processors.resource.attributes[0]: action insert needs one of value, from_attribute or default_value",
            "processors.resource.actions: unknown key 'actions' (known keys: attributes)");
  }
}
