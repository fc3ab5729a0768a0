package dev.traceyard.collector.processor.tailsampling;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.attr;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.request;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.resource;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.resourceSpans;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.withStatus;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.MetricBatch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The processor on a manual clock, ticked by the test (no decision thread) unless a test starts it. */
class TailSamplingProcessorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String ERRORS_SLOW_ONE_PERCENT = "policies:\n"
      + "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
      + "  - {name: slow, type: latency, latency: {threshold_ms: 1000}}\n"
      + "  - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 1}}\n";
  private static final String KEEP_ERRORS = "policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]\n";
  private static final String KEEP_ALL = "policies: [{name: everything, type: always_sample}]\n";

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final AtomicLong clock = new AtomicLong(5_000_000_000_000L);
  private final Recorder downstream = new Recorder();
  private final List<TailSamplingProcessor> created = new ArrayList<>();

  @AfterEach
  void shutdownAll() {
    downstream.answer = b -> ConsumeResult.success();
    created.forEach(TailSamplingProcessor::shutdown);
  }

  // ---- decision timing ----

  @Test
  void decision_isMadeOnceDecisionWaitHasPassed() {
    TailSamplingProcessor p = processor("decision_wait: 10s\n" + KEEP_ERRORS);
    ByteString id = traceId(1, 1);
    assertThat(p.consume(batch(resourceSpans(span(id, 1), error(span(id, 2))))).isSuccess()).isTrue();
    advanceMs(5_000);
    assertThat(p.consume(batch(resourceSpans(span(id, 3)))).isSuccess()).isTrue();

    advanceMs(4_999);
    p.tick();
    assertThat(downstream.spans()).isEmpty();
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isEqualTo(1);
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isPositive();

    advanceMs(1);
    p.tick();
    assertThat(downstream.spanIds(id)).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled")).isEqualTo(1);
    assertThat(counter(TailSamplingMetrics.POLICY_DECISIONS, "errors", "sampled")).isEqualTo(1);
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isZero();
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
    assertThat(telemetry.scrape()).contains(
        "traceyard_processor_tail_sampling_decision_latency_seconds_count{processor=\"tail_sampling\"} 1",
        "traceyard_processor_tail_sampling_decision_latency_seconds_sum{processor=\"tail_sampling\"} 10.0");
    assertThat(processorCounter("traceyard_processor_incoming_items")).isEqualTo(3);
    assertThat(processorCounter("traceyard_processor_outgoing_items")).isEqualTo(3);
  }

  @Test
  void notSampledTrace_isDroppedAndCountedAsSampledOut() {
    TailSamplingProcessor p = processor("decision_wait: 1s\n" + KEEP_ERRORS);
    ByteString id = traceId(1, 2);
    p.consume(batch(resourceSpans(span(id, 1), span(id, 2))));
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.batches).isEmpty();
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "not_sampled")).isEqualTo(1);
    assertThat(counter(TailSamplingMetrics.SAMPLED_OUT_SPANS)).isEqualTo(2);
    assertThat(counter(TailSamplingMetrics.POLICY_DECISIONS, "errors", "not_sampled")).isEqualTo(1);
    assertThat(processorCounter("traceyard_processor_dropped_items")).as("intentional drops are not failures").isZero();
  }

  @Test
  void rootSpan_bringsTheDecisionForward() {
    TailSamplingProcessor p = processor("decision_wait: 30s\ndecision_wait_after_root_received: 2s\n" + KEEP_ALL);
    ByteString withRoot = traceId(2, 1);
    ByteString withoutRoot = traceId(2, 2);
    p.consume(batch(resourceSpans(span(withRoot, 2, 1, 0, 5), span(withoutRoot, 2, 1, 0, 5))));
    advanceMs(5_000);
    p.tick();
    assertThat(downstream.spans()).as("no root yet: wait for decision_wait").isEmpty();

    p.consume(batch(resourceSpans(span(withRoot, 1, 0, 0, 10))));
    advanceMs(1_999);
    p.tick();
    assertThat(downstream.spans()).isEmpty();
    advanceMs(1);
    p.tick();
    assertThat(downstream.spanIds(withRoot)).containsExactlyInAnyOrder(1L, 2L);
    assertThat(downstream.spanIds(withoutRoot)).isEmpty();

    advanceMs(23_000);
    p.tick();
    assertThat(downstream.spanIds(withoutRoot)).containsExactly(2L);
    assertThat(counter(TailSamplingMetrics.EARLY_DECISIONS, "bytes") + counter(TailSamplingMetrics.EARLY_DECISIONS,
        "num_traces")).as("a root-triggered decision is on schedule, not early for lack of room").isZero();
  }

  // ---- late spans ----

  @Test
  void lateSpans_followASampledDecision_andCarryItsPolicy() {
    TailSamplingProcessor p = processor("decision_wait: 1s\n" + KEEP_ERRORS);
    ByteString id = traceId(3, 1);
    p.consume(batch(resourceSpans(error(span(id, 1)))));
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.spanIds(id)).containsExactly(1L);

    advanceMs(60_000);
    assertThat(p.consume(batch(resourceSpans(span(id, 2), span(id, 3)))).isSuccess()).isTrue();
    p.tick(); // sends what is queued; the decision thread is woken for this when running
    assertThat(downstream.spanIds(id)).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(downstream.spans()).allSatisfy(s -> assertThat(policyOf(s)).isEqualTo("errors"));
    assertThat(counter(TailSamplingMetrics.LATE_SPANS, "sampled")).isEqualTo(2);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled")).as("no second decision").isEqualTo(1);
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isZero();
  }

  @Test
  void lateSpans_followANotSampledDecision_evenWhenTheyHaveAnError() {
    TailSamplingProcessor p = processor("decision_wait: 1s\n" + KEEP_ERRORS);
    ByteString id = traceId(3, 2);
    p.consume(batch(resourceSpans(span(id, 1))));
    advanceMs(1_000);
    p.tick();
    p.consume(batch(resourceSpans(error(span(id, 2)))));
    advanceMs(60_000);
    p.tick();
    assertThat(downstream.spans()).isEmpty();
    assertThat(counter(TailSamplingMetrics.LATE_SPANS, "not_sampled")).isEqualTo(1);
    assertThat(counter(TailSamplingMetrics.SAMPLED_OUT_SPANS)).isEqualTo(2);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "not_sampled")).isEqualTo(1);
  }

  @Test
  void withoutDecisionCache_lateSpansStartANewDecision() {
    TailSamplingProcessor p = processor("decision_wait: 1s\ndecision_cache: {sampled_cache_size: 0, "
        + "non_sampled_cache_size: 0}\n" + KEEP_ERRORS);
    ByteString id = traceId(3, 3);
    p.consume(batch(resourceSpans(span(id, 1))));
    advanceMs(1_000);
    p.tick();
    p.consume(batch(resourceSpans(error(span(id, 2)))));
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.spanIds(id)).containsExactly(2L);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "not_sampled")).isEqualTo(1);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled")).isEqualTo(1);
  }

  // ---- what is sent ----

  @Test
  void keptSpans_carryThePolicyThatKeptThem_replacingAnOldValue() {
    TailSamplingProcessor p = processor("decision_wait: 1s\npolicies:\n"
        + "  - {name: never, type: probabilistic, probabilistic: {sampling_percentage: 0}}\n"
        + "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
        + "  - {name: all, type: always_sample}\n");
    ByteString id = traceId(4, 1);
    p.consume(batch(resourceSpans(error(span(id, 1)), span(id, 2).addAttributes(attr("sampling.policy", "upstream")))));
    advanceMs(1_000);
    p.tick();
    List<Span> spans = downstream.spans();
    assertThat(spans).hasSize(2).allSatisfy(s -> assertThat(policyOf(s)).isEqualTo("errors"));
    assertThat(spans.get(1).getAttributesList().stream().filter(kv -> kv.getKey().equals("sampling.policy")).count())
        .isEqualTo(1);
  }

  @Test
  void emptyPolicyAttribute_sendsSpansUnchanged_withTheirResourceAndScope() {
    TailSamplingProcessor p = processor("decision_wait: 1s\nsampling_policy_attribute: ''\n" + KEEP_ALL);
    ByteString id = traceId(4, 2);
    Resource res = resource("cart", attr("host.name", "h1"));
    ExportTraceServiceRequest in = request(resourceSpans(res, span(id, 1), span(id, 2).setTraceState("k=v")));
    p.consume(TraceBatch.of(in));
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.batches).hasSize(1);
    assertThat(downstream.batches.get(0).request()).isEqualTo(in);
  }

  @Test
  void severalKeptTraces_goOutInOneRequest_groupedByResourceAndScope() {
    TailSamplingProcessor p = processor("decision_wait: 1s\n" + KEEP_ALL);
    Resource cart = resource("cart");
    Resource shop = resource("shop");
    for (int i = 0; i < 5; i++) {
      ByteString id = traceId(5, i);
      // One request per trace, each with both resources: the copies of a resource are equal, not identical.
      p.consume(batch(resourceSpans(cart.toBuilder().build(), span(id, 1)), resourceSpans(shop, span(id, 2))));
    }
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.batches).hasSize(1);
    ExportTraceServiceRequest out = (ExportTraceServiceRequest) downstream.batches.get(0).request();
    assertThat(out.getResourceSpansList()).extracting(ResourceSpans::getResource).containsExactly(cart, shop);
    assertThat(out.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
    assertThat(out.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(5);
    assertThat(downstream.batches.get(0).itemCount()).isEqualTo(10);
  }

  // ---- memory bounds ----

  @Test
  void burstOfTenTimesTheByteBudget_neverExceedsIt_andDecidesTheOldestEarly() {
    long budget = 64 * 1024;
    TailSamplingProcessor p = processor("decision_wait: 30s\nmax_buffered_bytes: " + budget + "\n" + ERRORS_SLOW_ONE_PERCENT);
    Random random = new Random(11);
    List<ByteString> errorTraces = new ArrayList<>();
    long sentBytes = 0;
    int sentSpans = 0;
    int batches = 0;
    Map<ByteString, Integer> spansPerTrace = new HashMap<>();
    while (sentBytes < 10 * budget) {
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
      for (int t = 0; t < 4; t++) {
        ByteString id = traceId(random.nextLong(), random.nextLong());
        boolean isError = random.nextInt(10) == 0;
        int n = 2 + random.nextInt(6);
        Span.Builder[] spans = new Span.Builder[n];
        for (int s = 0; s < n; s++) {
          spans[s] = span(id, s + 1);
        }
        if (isError) {
          error(spans[n - 1]);
          errorTraces.add(id);
        }
        req.addResourceSpans(resourceSpans(spans));
        spansPerTrace.put(id, n);
        sentSpans += n;
      }
      ExportTraceServiceRequest r = req.build();
      sentBytes += r.getSerializedSize();
      advanceMs(10);
      assertThat(p.consume(TraceBatch.of(r)).isSuccess()).isTrue();
      batches++;
      assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isLessThanOrEqualTo(budget);
      assertThat(p.memoryInUseForTest()).isLessThanOrEqualTo(budget);
      p.tick(); // sends kept traces decided early; nothing is due yet
    }
    double early = counter(TailSamplingMetrics.EARLY_DECISIONS, "bytes");
    assertThat(early).as("traces decided early for lack of bytes").isGreaterThan(0.5 * spansPerTrace.size());
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isLessThan(spansPerTrace.size() / 2.0);

    advanceMs(31_000);
    p.tick();
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
    double decided = counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled") + counter(TailSamplingMetrics.TRACE_DECISIONS,
        "not_sampled");
    assertThat(decided).as("every trace decided once").isEqualTo(spansPerTrace.size());
    assertThat(downstream.spans().size() + counter(TailSamplingMetrics.SAMPLED_OUT_SPANS)).as("no span lost")
        .isEqualTo(sentSpans);
    for (ByteString id : errorTraces) {
      assertThat(downstream.spanIds(id)).as("error trace decided early is still kept whole").hasSize(spansPerTrace.get(id));
    }
    assertThat(batches).isGreaterThan(10);
  }

  @Test
  void keptSpansWaitingToBeSent_countAgainstTheBudget_andThrottleWhenFull() {
    long budget = 16 * 1024;
    TailSamplingProcessor p = processor("decision_wait: 30s\nmax_buffered_bytes: " + budget + "\n" + KEEP_ALL);
    int accepted = 0;
    ConsumeResult refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      ByteString id = traceId(6, i);
      ConsumeResult r = p.consume(batch(resourceSpans(span(id, 1), span(id, 2), span(id, 3))));
      assertThat(p.memoryInUseForTest()).isLessThanOrEqualTo(budget);
      if (r.isSuccess()) {
        accepted++;
      } else {
        refused = r;
      }
    }
    // No decision thread sends the early-kept traces, so they fill the budget: the next batch is refused.
    assertThat(refused).isNotNull();
    assertThat(refused.isThrottled()).isTrue();
    assertThat(refused.retryAfter()).isEqualTo(TailSamplingProcessor.THROTTLED_RETRY_AFTER);
    assertThat(refused.message()).contains("is full");
    assertThat(processorCounter("traceyard_processor_refused_items")).isEqualTo(3);

    p.tick(); // sends the kept traces
    assertThat(downstream.spans()).hasSize(3 * accepted - 3 * (int) gauge(TailSamplingMetrics.TRACES_IN_MEMORY));
    assertThat(p.consume(batch(resourceSpans(span(traceId(6, 999), 1)))).isSuccess()).as("room again").isTrue();
  }

  @Test
  void numTraces_decidesTheOldestEarly() {
    TailSamplingProcessor p = processor("decision_wait: 30s\nnum_traces: 10\n" + KEEP_ERRORS);
    for (int i = 0; i < 25; i++) {
      advanceMs(1);
      assertThat(p.consume(batch(resourceSpans(span(traceId(7, i), 1)))).isSuccess()).isTrue();
      assertThat(p.undecidedTracesForTest()).isLessThanOrEqualTo(10);
    }
    assertThat(counter(TailSamplingMetrics.EARLY_DECISIONS, "num_traces")).isEqualTo(15);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "not_sampled")).isEqualTo(15);
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isEqualTo(10);
    // The ones left are the newest.
    p.consume(batch(resourceSpans(error(span(traceId(7, 24), 2)))));
    assertThat(counter(TailSamplingMetrics.LATE_SPANS, "not_sampled")).isZero();
  }

  @Test
  void blockOnOverflow_throttlesInsteadOfDecidingEarly() {
    TailSamplingProcessor p = processor("decision_wait: 30s\nnum_traces: 2\nblock_on_overflow: true\n" + KEEP_ERRORS);
    assertThat(p.consume(batch(resourceSpans(span(traceId(8, 1), 1)))).isSuccess()).isTrue();
    assertThat(p.consume(batch(resourceSpans(span(traceId(8, 2), 1)))).isSuccess()).isTrue();
    ConsumeResult r = p.consume(batch(resourceSpans(span(traceId(8, 3), 1))));
    assertThat(r.isThrottled()).isTrue();
    assertThat(p.consume(batch(resourceSpans(span(traceId(8, 1), 2)))).isSuccess()).as("known traces still grow").isTrue();
    assertThat(counter(TailSamplingMetrics.EARLY_DECISIONS, "num_traces")).isZero();
  }

  @Test
  void batchLargerThanTheWholeBudget_isRefusedPermanently() {
    TailSamplingProcessor p = processor("decision_wait: 30s\nmax_buffered_bytes: 2KiB\n" + KEEP_ERRORS);
    Span.Builder[] spans = new Span.Builder[40];
    for (int i = 0; i < spans.length; i++) {
      spans[i] = span(traceId(9, i), 1);
    }
    ConsumeResult r = p.consume(batch(resourceSpans(spans)));
    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("max_buffered_bytes (2048)");
  }

  // ---- the promise: errors and slow traces kept, the rest sampled ----

  @Test
  void mixedTraffic_keepsEveryErrorAndSlowTraceWhole_andAboutOnePercentOfTheRest() {
    TailSamplingProcessor p = processor("decision_wait: 5s\n" + ERRORS_SLOW_ONE_PERCENT);
    Random random = new Random(2024);
    Set<ByteString> errors = new HashSet<>();
    Set<ByteString> slow = new HashSet<>();
    Map<ByteString, Integer> spanCount = new HashMap<>();
    List<ResourceSpans> pendingSecondHalves = new ArrayList<>();
    Resource[] services = {resource("frontend"), resource("cart"), resource("payments")};
    int traces = 30_000;
    for (int i = 0; i < traces; i++) {
      ByteString id = traceId(random.nextLong(), random.nextLong());
      int kind = random.nextInt(100);
      boolean isError = kind < 2;
      boolean isSlow = kind >= 2 && kind < 4;
      int n = 3 + random.nextInt(6);
      List<Span.Builder> spans = new ArrayList<>();
      for (int s = 1; s <= n; s++) {
        Span.Builder b = span(id, s, s == 1 ? 0 : 1, s * 5L, isSlow && s == 1 ? 1_500 : 40);
        spans.add(b);
      }
      if (isError) {
        error(spans.get(random.nextInt(n)));
        errors.add(id);
      }
      if (isSlow) {
        slow.add(id);
      }
      spanCount.put(id, n);
      // Each trace arrives in two parts from two services, in different requests.
      int cut = 1 + random.nextInt(n - 1);
      Resource a = services[random.nextInt(3)];
      Resource b = services[random.nextInt(3)];
      pendingSecondHalves.add(resourceSpans(b, spans.subList(cut, n).toArray(new Span.Builder[0])));
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder()
          .addResourceSpans(resourceSpans(a, spans.subList(0, cut).toArray(new Span.Builder[0])));
      if (pendingSecondHalves.size() >= 50) {
        // Second halves come a little later, shuffled together with other traces' first halves.
        Collections.shuffle(pendingSecondHalves, random);
        req.addAllResourceSpans(pendingSecondHalves);
        pendingSecondHalves.clear();
      }
      assertThat(p.consume(TraceBatch.of(req.build())).isSuccess()).isTrue();
      if (i % 100 == 0) {
        advanceMs(20);
        p.tick();
      }
    }
    p.consume(TraceBatch.of(ExportTraceServiceRequest.newBuilder().addAllResourceSpans(pendingSecondHalves).build()));
    advanceMs(10_000);
    p.tick();

    Map<ByteString, List<Span>> kept = downstream.byTrace();
    for (ByteString id : errors) {
      assertThat(kept.get(id)).as("error trace kept whole").hasSize(spanCount.get(id));
    }
    for (ByteString id : slow) {
      assertThat(kept.get(id)).as("slow trace kept whole").hasSize(spanCount.get(id));
    }
    int rest = traces - errors.size() - slow.size();
    long keptRest = kept.keySet().stream().filter(id -> !errors.contains(id) && !slow.contains(id)).count();
    for (Map.Entry<ByteString, List<Span>> e : kept.entrySet()) {
      assertThat(e.getValue()).as("every kept trace is whole").hasSize(spanCount.get(e.getKey()));
    }
    // Binomial(rest, 1%): within 5 standard deviations of the mean.
    double mean = rest * 0.01;
    double sd = Math.sqrt(rest * 0.01 * 0.99);
    assertThat((double) keptRest).isBetween(mean - 5 * sd, mean + 5 * sd);
    assertThat(counter(TailSamplingMetrics.EARLY_DECISIONS, "bytes")).isZero();
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled")).isEqualTo(kept.size());
    assertThat(counter(TailSamplingMetrics.POLICY_DECISIONS, "errors", "sampled")).isEqualTo(errors.size());
  }

  // ---- failures and lifecycle ----

  @Test
  void downstreamRefusal_isCountedAsDroppedAndDoesNotReachTheClient() {
    TailSamplingProcessor p = processor("decision_wait: 1s\n" + KEEP_ALL);
    downstream.answer = b -> ConsumeResult.retryable("backend down", null);
    assertThat(p.consume(batch(resourceSpans(span(traceId(10, 1), 1), span(traceId(10, 1), 2)))).isSuccess()).isTrue();
    advanceMs(1_000);
    p.tick();
    assertThat(downstream.batches).hasSize(1);
    assertThat(processorCounter("traceyard_processor_dropped_items")).isEqualTo(2);
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
  }

  @Test
  void nonTraceBatch_isRefusedPermanently() {
    TailSamplingProcessor p = processor(KEEP_ALL);
    ConsumeResult r = p.consume(MetricBatch.of(ExportMetricsServiceRequest.getDefaultInstance()));
    assertThat(r.isPermanent()).isTrue();
    assertThat(r.message()).contains("takes traces only");
  }

  @Test
  void shutdown_decidesEverythingBufferedAndSendsIt_andLaterBatchesAreDecidedAtOnce() {
    TailSamplingProcessor p = processor("decision_wait: 1h\n" + KEEP_ERRORS);
    p.consume(batch(resourceSpans(error(span(traceId(11, 1), 1)), span(traceId(11, 2), 1))));
    p.shutdown();
    assertThat(downstream.spanIds(traceId(11, 1))).containsExactly(1L);
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "not_sampled")).isEqualTo(1);
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isZero();

    downstream.answer = b -> ConsumeResult.retryable("exporter stopped", null);
    ConsumeResult late = p.consume(batch(resourceSpans(error(span(traceId(11, 3), 1)))));
    assertThat(late.isRetryable()).as("after shutdown the caller hears downstream's answer").isTrue();
    assertThat(downstream.spanIds(traceId(11, 3))).containsExactly(1L);
  }

  @Test
  void dropPendingTracesOnShutdown_dropsInsteadOfDeciding() {
    TailSamplingProcessor p = processor("decision_wait: 1h\ndrop_pending_traces_on_shutdown: true\n" + KEEP_ALL);
    p.consume(batch(resourceSpans(span(traceId(12, 1), 1), span(traceId(12, 2), 1))));
    p.shutdown();
    assertThat(downstream.batches).isEmpty();
    assertThat(processorCounter("traceyard_processor_dropped_items")).isEqualTo(2);
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
  }

  @Test
  void decisionThread_decidesAndSendsOnItsOwn() {
    TailSamplingProcessor p = new TailSamplingProcessor(settings(), config("decision_wait: 200ms\n" + KEEP_ERRORS),
        downstream, System::nanoTime);
    created.add(p);
    p.start(null);
    ByteString id = traceId(13, 1);
    p.consume(batch(resourceSpans(error(span(id, 1)), span(id, 2))));
    await().atMost(30, SECONDS).until(() -> downstream.spanIds(id).size() == 2);
    // A late span is sent without waiting for a tick.
    p.consume(batch(resourceSpans(span(id, 3))));
    await().atMost(30, SECONDS).until(() -> downstream.spanIds(id).size() == 3);
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
  }

  @Test
  void concurrentProducers_withTheDecisionThread_stayWithinBudget_andLoseNoSpan() throws Exception {
    long budget = 128 * 1024;
    TailSamplingProcessor p = new TailSamplingProcessor(settings(), config("decision_wait: 100ms\nmax_buffered_bytes: "
        + budget + "\n" + ERRORS_SLOW_ONE_PERCENT), downstream, System::nanoTime);
    created.add(p);
    p.start(null);
    AtomicLong maxSeen = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        maxSeen.accumulateAndGet((long) gauge(TailSamplingMetrics.BYTES_IN_MEMORY), Math::max);
        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
      }
    });
    sampler.start();
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int seed = t;
      producers.add(new Thread(() -> {
        Random random = new Random(seed);
        for (int b = 0; b < 300; b++) {
          ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
          int spans = 0;
          for (int i = 0; i < 10; i++) {
            ByteString id = traceId(random.nextLong(), random.nextLong());
            Span.Builder root = span(id, 1);
            if (random.nextInt(20) == 0) {
              error(root);
            }
            req.addResourceSpans(resourceSpans(root, span(id, 2), span(id, 3)));
            spans += 3;
          }
          TraceBatch batch = TraceBatch.of(req.build());
          // A throttled client retries, as an OTLP exporter does.
          while (!p.consume(batch).isSuccess()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
          }
          sent.addAndGet(spans);
        }
      }));
    }
    producers.forEach(Thread::start);
    for (Thread t : producers) {
      t.join();
    }
    p.shutdown();
    done.set(true);
    sampler.join();
    assertThat(maxSeen.get()).isLessThanOrEqualTo(budget);
    assertThat(counter(TailSamplingMetrics.EARLY_DECISIONS, "bytes")).as("the burst overflows the budget").isPositive();
    assertThat(gauge(TailSamplingMetrics.BYTES_IN_MEMORY)).isZero();
    assertThat(gauge(TailSamplingMetrics.TRACES_IN_MEMORY)).isZero();
    assertThat(downstream.spans().size() + counter(TailSamplingMetrics.SAMPLED_OUT_SPANS)).isEqualTo(sent.get());
    assertThat(counter(TailSamplingMetrics.TRACE_DECISIONS, "sampled") + counter(TailSamplingMetrics.TRACE_DECISIONS,
        "not_sampled")).isEqualTo(sent.get() / 3);
  }

  // ---- helpers ----

  private TailSamplingProcessor processor(String yaml) {
    TailSamplingProcessor p = new TailSamplingProcessor(settings(), config(yaml), downstream, clock::get);
    created.add(p);
    return p;
  }

  private ComponentSettings settings() {
    return new ComponentSettings(ComponentId.of("tail_sampling"), ComponentKind.PROCESSOR, telemetry);
  }

  private static TailSamplingConfig config(String yaml) {
    ConfigErrors errors = new ConfigErrors();
    try {
      ConfigNode node = ConfigNode.ofMap((ObjectNode) YAML.readTree(yaml), "processors.tail_sampling", errors);
      TailSamplingConfig c = new TailSamplingProcessorFactory().parseConfig(node);
      node.reportUnknownKeys();
      assertThat(errors.list()).isEmpty();
      return c;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private void advanceMs(long ms) {
    clock.addAndGet(ms * 1_000_000);
  }

  private static Span.Builder error(Span.Builder b) {
    return withStatus(b, Status.StatusCode.STATUS_CODE_ERROR);
  }

  private static TraceBatch batch(ResourceSpans... rs) {
    return TraceBatch.of(request(rs));
  }

  private static String policyOf(Span s) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals("sampling.policy")) {
        return kv.getValue().getStringValue();
      }
    }
    return null;
  }

  private double gauge(String name) {
    return telemetry.value(name, "tail_sampling");
  }

  private double counter(String name, String... labels) {
    String[] all = new String[labels.length + 1];
    all[0] = "tail_sampling";
    System.arraycopy(labels, 0, all, 1, labels.length);
    return telemetry.value(name, all);
  }

  private double processorCounter(String name) {
    return telemetry.value(name, "tail_sampling", "traces");
  }

  /** Downstream: records every batch, answers as told. */
  static final class Recorder implements dev.traceyard.collector.consumer.Consumer {
    final List<Batch> batches = new CopyOnWriteArrayList<>();
    volatile Function<Batch, ConsumeResult> answer = b -> ConsumeResult.success();

    @Override
    public ConsumeResult consume(Batch batch) {
      batches.add(batch);
      return answer.apply(batch);
    }

    List<Span> spans() {
      List<Span> out = new ArrayList<>();
      for (Batch b : batches) {
        for (ResourceSpans rs : ((ExportTraceServiceRequest) b.request()).getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            out.addAll(ss.getSpansList());
          }
        }
      }
      return out;
    }

    Map<ByteString, List<Span>> byTrace() {
      Map<ByteString, List<Span>> out = new HashMap<>();
      for (Span s : spans()) {
        out.computeIfAbsent(s.getTraceId(), k -> new ArrayList<>()).add(s);
      }
      return out;
    }

    List<Long> spanIds(ByteString traceId) {
      List<Long> out = new ArrayList<>();
      for (Span s : spans()) {
        if (s.getTraceId().equals(traceId)) {
          out.add(s.getSpanId().asReadOnlyByteBuffer().getLong());
        }
      }
      return out;
    }
  }
}
