package dev.traceyard.collector.exporter.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchSplitterTest {
  private final SplittableRandom random = new SplittableRandom(7);
  private final HashRing ring = HashRing.of(List.of("a:4317", "b:4317", "c:4317"));

  private ByteString randomId(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return ByteString.copyFrom(b);
  }

  private static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue(service))).build();
  }

  /** Two services, two scopes each, spans of 40 traces interleaved. */
  private TraceBatch mixedBatch() {
    ByteString[] traces = new ByteString[40];
    for (int i = 0; i < traces.length; i++) {
      traces[i] = randomId(16);
    }
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    for (String service : new String[] {"checkout", "cart"}) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(resource(service)).setSchemaUrl("https://schema/" + service);
      for (String scope : new String[] {"http", "db"}) {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName(scope));
        for (int i = 0; i < 100; i++) {
          ss.addSpans(Span.newBuilder().setTraceId(traces[i % traces.length]).setSpanId(randomId(8))
              .setName(service + "/" + scope + "/" + i));
        }
        rs.addScopeSpans(ss);
      }
      req.addResourceSpans(rs);
    }
    return Batch.of(req.build());
  }

  private int owner(long hash) {
    return ring.owner(hash);
  }

  @Test
  void byTraceId_everyTraceLandsWholeInOnePart_withItsResourceAndScope() {
    TraceBatch batch = mixedBatch();
    TraceBatch[] parts = BatchSplitter.split(batch, RoutingKey.TRACE_ID, 3, this::owner);

    Map<ByteString, Integer> partOfTrace = new HashMap<>();
    int total = 0;
    for (int p = 0; p < parts.length; p++) {
      assertThat(parts[p]).as("with 40 traces over 3 backends every backend gets some").isNotNull();
      int counted = 0;
      for (ResourceSpans rs : parts[p].request().getResourceSpansList()) {
        String service = BatchSplitter.serviceName(rs);
        assertThat(rs.getSchemaUrl()).isEqualTo("https://schema/" + service);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            assertThat(s.getName()).startsWith(service + "/" + ss.getScope().getName() + "/");
            Integer seen = partOfTrace.putIfAbsent(s.getTraceId(), p);
            assertThat(seen == null ? p : seen).as("trace split over parts").isEqualTo(p);
            assertThat(ring.owner(Hashing.ofTraceId(s.getTraceId()))).isEqualTo(p);
            counted++;
          }
        }
      }
      assertThat(parts[p].itemCount()).isEqualTo(counted);
      total += counted;
    }
    assertThat(total).isEqualTo(batch.itemCount());
  }

  @Test
  void aBatchWithOneOwner_isHandedOnAsIs() {
    ByteString trace = randomId(16);
    TraceBatch batch = Batch.of(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(resource("svc")).addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(Span.newBuilder().setTraceId(trace).setName("a"))
            .addSpans(Span.newBuilder().setTraceId(trace).setName("b")))).build());
    TraceBatch[] parts = BatchSplitter.split(batch, RoutingKey.TRACE_ID, 3, this::owner);
    int owner = ring.owner(Hashing.ofTraceId(trace));
    assertThat(parts[owner]).isSameAs(batch);
    for (int p = 0; p < 3; p++) {
      if (p != owner) {
        assertThat(parts[p]).isNull();
      }
    }
  }

  @Test
  void byService_eachResourceGoesWholeToTheOwnerOfItsServiceName() {
    TraceBatch batch = mixedBatch();
    TraceBatch[] parts = BatchSplitter.split(batch, RoutingKey.SERVICE, 3, this::owner);
    Set<String> seen = new HashSet<>();
    int total = 0;
    for (int p = 0; p < parts.length; p++) {
      if (parts[p] == null) {
        continue;
      }
      for (ResourceSpans rs : parts[p].request().getResourceSpansList()) {
        String service = BatchSplitter.serviceName(rs);
        assertThat(ring.owner(Hashing.ofString(service))).isEqualTo(p);
        assertThat(seen.add(service)).as("a service in two parts").isTrue();
        assertThat(rs.getScopeSpansCount()).isEqualTo(2);
      }
      total += parts[p].itemCount();
    }
    assertThat(seen).containsExactlyInAnyOrder("checkout", "cart");
    assertThat(total).isEqualTo(batch.itemCount());
  }

  @Test
  void anEmptyBatch_hasNoParts() {
    TraceBatch[] parts = BatchSplitter.split(Batch.of(ExportTraceServiceRequest.getDefaultInstance()), RoutingKey.TRACE_ID,
        3, this::owner);
    assertThat(parts).containsOnlyNulls();
  }
}
