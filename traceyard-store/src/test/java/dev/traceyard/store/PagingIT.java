package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PagingIT {
  @TempDir
  Path dir;

  @Test
  void pagesOf20Over250Traces_haveNoDuplicatesNoGaps_evenWhileNewTracesArrive() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      long now = store.clock.nanos();
      Set<TraceId> all = new HashSet<>();
      for (int i = 0; i < 250; i++) {
        TraceId id = TestData.traceId(i);
        all.add(id);
        // Pairs of traces share a start time, so the cursor's tie-break on the id matters.
        long start = now - (i / 2 + 1) * 1000 * MS;
        store.send(TestData.request(TestData.resource("svc"),
            TestData.span(id, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, start, 5 * MS, Status.StatusCode.STATUS_CODE_UNSET),
            TestData.span(id, 2, 1L, "child", Span.SpanKind.SPAN_KIND_INTERNAL, start + MS, MS,
                Status.StatusCode.STATUS_CODE_UNSET)));
      }
      store.flush();

      List<TraceId> seen = new ArrayList<>();
      List<Long> starts = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      int late = 0;
      do {
        JsonNode page = store.json("/api/v1/traces?service=svc&limit=20" + (cursor == null ? "" : "&cursor=" + cursor));
        page.path("traces").forEach(t -> {
          seen.add(TraceId.parseHex(t.path("traceId").asText()));
          starts.add(Long.parseLong(t.path("startTimeUnixNano").asText()));
        });
        assertThat(page.path("traces").size()).isLessThanOrEqualTo(20);
        cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
        pages++;
        // New traces, inside the searched window and both newer and older than the current page, plus a
        // late span that makes an already-listed trace start earlier: none may disturb the paging.
        TraceId newcomer = TestData.traceId(10_000 + late++);
        store.send(TestData.request(TestData.resource("svc"),
            TestData.span(newcomer, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, now - 60_000 * MS, MS,
                Status.StatusCode.STATUS_CODE_UNSET),
            TestData.span(TestData.traceId(late * 7), 9, 1L, "late", Span.SpanKind.SPAN_KIND_INTERNAL,
                now - 500_000 * MS, MS, Status.StatusCode.STATUS_CODE_UNSET)));
        store.flush();
      } while (cursor != null);

      assertThat(pages).isEqualTo(13);
      assertThat(seen).doesNotHaveDuplicates().hasSize(250);
      assertThat(new HashSet<>(seen)).isEqualTo(all);
      assertThat(starts).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }
  }
}
