package dev.traceyard.store;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.traceyard.store.query.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search scans the newest part of the range first and widens it until a page is full; these
 * traces are spread over three hourly partitions so that several windows are needed, and include
 * a long trace whose matching span is recent while the trace itself started long ago.
 */
class WindowedSearchIT {
  private static final long SECOND = 1000 * MS;

  @TempDir
  Path dir;

  private StoreHarness store;
  /** Matching traces with their start, newest first (ties: higher id first), as the API orders them. */
  private final List<Object[]> expected = new ArrayList<>();

  @BeforeEach
  void fill() throws Exception {
    store = StoreHarness.start(dir);
    long now = store.clock.nanos();
    for (int i = 0; i < 300; i++) {
      TraceId id = TestData.traceId(i);
      long start = now - (i + 1) * 36 * SECOND; // 300 traces over the last 3 hours
      boolean match = i % 7 == 3;
      store.send(TestData.request(TestData.resource("svc"),
          TestData.span(id, 1, null, "root", Span.SpanKind.SPAN_KIND_SERVER, start, 5 * MS,
              Status.StatusCode.STATUS_CODE_UNSET, TestData.str("match", "no")),
          TestData.span(id, 2, 1L, "child", Span.SpanKind.SPAN_KIND_INTERNAL, start + MS, MS,
              Status.StatusCode.STATUS_CODE_UNSET, TestData.str("match", match ? "yes" : "no"))));
      if (match) {
        expected.add(new Object[] {id, start});
      }
    }
    // A long trace: started 2.5 hours ago, its only matching span started a minute ago.
    TraceId longTrace = TestData.traceId(10_000);
    long longStart = now - 9000 * SECOND;
    store.send(TestData.request(TestData.resource("svc"),
        TestData.span(longTrace, 1, null, "long-root", Span.SpanKind.SPAN_KIND_SERVER, longStart, 9000 * SECOND,
            Status.StatusCode.STATUS_CODE_UNSET),
        TestData.span(longTrace, 2, 1L, "late-child", Span.SpanKind.SPAN_KIND_INTERNAL, now - 60 * SECOND, MS,
            Status.StatusCode.STATUS_CODE_UNSET, TestData.str("match", "yes"))));
    expected.add(new Object[] {longTrace, longStart});
    expected.sort(Comparator.<Object[]>comparingLong(e -> (Long) e[1]).reversed()
        .thenComparing((Object[] e) -> ((TraceId) e[0]).hi(), Comparator.reverseOrder())
        .thenComparing((Object[] e) -> ((TraceId) e[0]).lo(), Comparator.reverseOrder()));
    store.flush();
  }

  @org.junit.jupiter.api.AfterEach
  void close() {
    store.close();
  }

  @Test
  void firstPage_isTheNewestMatchingTraces_longTraceAtItsOwnStart() {
    JsonNode page = store.json("/api/v1/traces?lookback=4h&limit=3&attr=" + StoreHarness.enc("span.match=yes"));

    assertThat(ids(page)).containsExactlyElementsOf(expectedIds().subList(0, 3));
    assertThat(ids(page)).doesNotContain(TestData.traceId(10_000));
  }

  @Test
  void pagingThroughAllWindows_returnsEveryMatchOnceInOrder() {
    List<TraceId> seen = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = store.json("/api/v1/traces?lookback=4h&limit=5&attr=" + StoreHarness.enc("span.match=yes")
          + (cursor == null ? "" : "&cursor=" + cursor));
      seen.addAll(ids(page));
      page.path("traces").forEach(t -> starts.add(Long.parseLong(t.path("startTimeUnixNano").asText())));
      cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
    } while (cursor != null);

    assertThat(seen).containsExactlyElementsOf(expectedIds());
    assertThat(starts).isSortedAccordingTo(Comparator.reverseOrder());
  }

  @Test
  void searchWithoutMatches_scansTheWholeRangeAndReturnsNothing() {
    JsonNode page = store.json("/api/v1/traces?lookback=4h&limit=5&attr=" + StoreHarness.enc("span.match=never"));

    assertThat(page.path("traces").size()).isZero();
    assertThat(page.path("nextCursor").isNull()).isTrue();
  }

  private List<TraceId> expectedIds() {
    List<TraceId> ids = new ArrayList<>();
    expected.forEach(e -> ids.add((TraceId) e[0]));
    return ids;
  }

  private static List<TraceId> ids(JsonNode page) {
    List<TraceId> out = new ArrayList<>();
    page.path("traces").forEach(t -> out.add(TraceId.parseHex(t.path("traceId").asText())));
    return out;
  }
}
