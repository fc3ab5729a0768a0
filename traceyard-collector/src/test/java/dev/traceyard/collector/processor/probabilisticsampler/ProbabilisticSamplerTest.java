package dev.traceyard.collector.processor.probabilisticsampler;

import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.kv;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.log;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.service;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.span;
import static dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.spansOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures;
import dev.traceyard.collector.processor.internal.matching.ProcessorFixtures.Capture;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProbabilisticSamplerTest {
  private static final int SPANS = 20_000;

  private final ProbabilisticSamplerProcessorFactory factory = new ProbabilisticSamplerProcessorFactory();
  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();

  private Processor processor(Signal signal, String yaml, Capture out) {
    return ProcessorFixtures.create(factory, ProcessorFixtures.valid(factory, yaml), signal, out, telemetry);
  }

  /** Spans with random trace ids from a fixed seed, so the test is deterministic. */
  private static Span[] randomSpans(int n, long seed) {
    Random r = new Random(seed);
    Span[] spans = new Span[n];
    for (int i = 0; i < n; i++) {
      spans[i] = span("op-" + i).setTraceId(ProcessorFixtures.traceId(r.nextLong(), r.nextLong())).build();
    }
    return spans;
  }

  @Test
  void fnvHash_matchesTheReferenceAlgorithm() {
    // FNV-1a over the seed (little-endian) then the trace id, as otelcol's hash_seed mode computes it.
    ByteString id = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    assertThat(HashSeedSampler.hash(0, id)).isEqualTo(0xdf241a25);
    assertThat(HashSeedSampler.hash(42, id)).isEqualTo(0x75339e9f);
    assertThat(HashSeedSampler.hash(-1, id)).isEqualTo(0x211ff9a1);
    assertThat(HashSeedSampler.hash(0, ByteString.EMPTY)).isEqualTo(0x4b95f515);
    assertThat(HashSeedSampler.scaled(25f)).isEqualTo(4096);
    assertThat(HashSeedSampler.scaled(15.3f)).isEqualTo(2506);
    assertThat(HashSeedSampler.scaled(250f)).isEqualTo(HashSeedSampler.BUCKETS);
  }

  @Test
  void sampledShare_isWithinStatisticalBounds() {
    for (double pct : new double[] {1, 10, 33.3, 75}) {
      Capture out = new Capture();
      processor(Signal.TRACES, "sampling_percentage: " + pct + "\nhash_seed: 22\n", out)
          .consume(ProcessorFixtures.traces(service("svc"), randomSpans(SPANS, 7)));
      int kept = out.batches.isEmpty() ? 0 : out.last().itemCount();
      double p = pct / 100;
      double sigma = Math.sqrt(SPANS * p * (1 - p));
      // Five standard deviations: a false failure is a one-in-a-million event, and the inputs are fixed anyway.
      assertThat((double) kept).as("kept at %s%%", pct).isBetween(SPANS * p - 5 * sigma, SPANS * p + 5 * sigma);
    }
  }

  @Test
  void twoInstancesWithTheSameSeed_decideAlike_andAnotherSeedDiffers() {
    Span[] spans = randomSpans(SPANS, 11);
    Capture a = new Capture();
    Capture b = new Capture();
    Capture other = new Capture();
    processor(Signal.TRACES, "sampling_percentage: 20\nhash_seed: 1234\n", a)
        .consume(ProcessorFixtures.traces(service("svc"), spans));
    // The second collector sees the same traces split across differently shaped batches.
    Processor second = processor(Signal.TRACES, "sampling_percentage: 20\nhash_seed: 1234\n", b);
    for (int i = 0; i < spans.length; i += 1000) {
      second.consume(ProcessorFixtures.traces(service("other-resource"), java.util.Arrays.copyOfRange(spans, i, i + 1000)));
    }
    processor(Signal.TRACES, "sampling_percentage: 20\nhash_seed: 4321\n", other)
        .consume(ProcessorFixtures.traces(service("svc"), spans));

    Set<ByteString> keptA = traceIds(a);
    assertThat(traceIds(b)).isEqualTo(keptA);
    assertThat(traceIds(other)).isNotEqualTo(keptA);
    // Consistency: a higher percentage with the same seed keeps a superset.
    Capture more = new Capture();
    processor(Signal.TRACES, "sampling_percentage: 50\nhash_seed: 1234\n", more)
        .consume(ProcessorFixtures.traces(service("svc"), spans));
    assertThat(traceIds(more)).containsAll(keptA);
  }

  @Test
  void spansOfOneTrace_shareTheirFate() {
    ByteString trace = ProcessorFixtures.traceId(99, 42);
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      spans.add(span("s" + i).setTraceId(trace).build());
    }
    Capture out = new Capture();
    processor(Signal.TRACES, "sampling_percentage: 50\n", out)
        .consume(ProcessorFixtures.traces(service("svc"), spans.toArray(new Span[0])));

    int kept = out.batches.isEmpty() ? 0 : out.last().itemCount();
    assertThat(kept).isIn(0, 50);
  }

  @Test
  void samplingPriority_overridesThePercentage_andDropsAreCounted() {
    Capture out = new Capture();
    Span forced = span("forced", kv("sampling.priority", 1)).build();
    Span vetoed = span("vetoed", kv("sampling.priority", 0)).build();
    processor(Signal.TRACES, "sampling_percentage: 0\n", out)
        .consume(ProcessorFixtures.traces(service("svc"), forced, vetoed, span("plain").build()));

    assertThat(spansOf(out.last())).containsExactly(forced);
    assertThat(spansOf(out.last()).get(0)).isSameAs(forced);
    assertThat(telemetry.value("traceyard_processor_probabilistic_sampler_sampled_out_items",
        "probabilistic_sampler", "traces", "priority")).isEqualTo(1);
    assertThat(telemetry.value("traceyard_processor_probabilistic_sampler_sampled_out_items",
        "probabilistic_sampler", "traces", "probability")).isEqualTo(1);
  }

  @Test
  void zeroTraceId_isDroppedWhenFailClosed_andKeptOtherwise() {
    Span noId = span("no-id").setTraceId(ByteString.copyFrom(new byte[16])).build();
    Capture closed = new Capture();
    Capture open = new Capture();
    processor(Signal.TRACES, "sampling_percentage: 100\n", closed).consume(ProcessorFixtures.traces(service("s"), noId));
    processor(Signal.TRACES, "sampling_percentage: 100\nfail_closed: false\n", open)
        .consume(ProcessorFixtures.traces(service("s"), noId));

    assertThat(closed.batches).isEmpty();
    assertThat(open.spans()).containsExactly(noId);
    assertThat(telemetry.value("traceyard_processor_probabilistic_sampler_sampled_out_items",
        "probabilistic_sampler", "traces", "missing_randomness")).isEqualTo(1);
  }

  @Test
  void logs_useTheTraceId_thenTheConfiguredAttribute_andThePriorityAttribute() {
    Capture out = new Capture();
    Processor p = processor(Signal.LOGS, "sampling_percentage: 50\nfrom_attribute: log.id\nsampling_priority: prio\n", out);
    List<LogRecord> records = new ArrayList<>();
    Random r = new Random(3);
    for (int i = 0; i < 4000; i++) {
      records.add(log("m" + i, kv("log.id", "id-" + r.nextLong())).build());
    }
    records.add(log("always", kv("prio", 100)).build());
    records.add(log("never", kv("prio", 0), kv("log.id", "x")).build());
    records.add(log("no randomness").build());

    p.consume(ProcessorFixtures.logs(service("svc"), records.toArray(new LogRecord[0])));

    List<String> kept = out.logs().stream().map(l -> l.getBody().getStringValue()).toList();
    assertThat(kept).contains("always").doesNotContain("never", "no randomness");
    assertThat(kept.size() - 1).isBetween(2000 - 160, 2000 + 160);
    // The same records again decide the same way.
    Capture again = new Capture();
    processor(Signal.LOGS, "sampling_percentage: 50\nfrom_attribute: log.id\nsampling_priority: prio\n", again)
        .consume(ProcessorFixtures.logs(service("svc"), records.toArray(new LogRecord[0])));
    assertThat(again.logs()).isEqualTo(out.logs());
  }

  private static Set<ByteString> traceIds(Capture c) {
    Set<ByteString> out = new HashSet<>();
    for (Span s : c.spans()) {
      out.add(s.getTraceId());
    }
    return out;
  }
}
