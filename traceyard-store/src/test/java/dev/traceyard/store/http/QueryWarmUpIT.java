package dev.traceyard.store.http;

import static dev.traceyard.store.TestData.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.traceyard.store.StoreHarness;
import dev.traceyard.store.TestData;
import dev.traceyard.store.query.QueryService;
import dev.traceyard.store.query.TraceId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The background trace lookups after a start ({@code query.warm_up}) on a real store. */
class QueryWarmUpIT {
  @TempDir
  Path dir;

  private static List<TraceId> store(StoreHarness store, int traces) {
    List<TraceId> ids = new ArrayList<>();
    long t = store.clock.nanos() - 60_000 * MS;
    for (int i = 1; i <= traces; i++) {
      TraceId id = TestData.traceId(i);
      store.send(TestData.fullTrace(id, t + i * MS));
      ids.add(id);
    }
    store.flush();
    return ids;
  }

  private static QueryWarmUp warmUp(StoreHarness store, Duration budget) {
    return QueryWarmUp.start(store.exporter.queryService(), store.exporter.queryAddress(), budget,
        LoggerFactory.getLogger(QueryWarmUpIT.class));
  }

  @Test
  void looksUpEveryStoredTrace_whenThereAreFewerThanTheLimit() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      List<TraceId> ids = store(store, 25);
      QueryService qs = store.exporter.queryService();

      assertThat(qs.sampleTraceIds(100)).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(qs.sampleTraceIds(10)).hasSize(10).doesNotHaveDuplicates().isSubsetOf(ids);

      QueryWarmUp w = warmUp(store, Duration.ofMinutes(1));
      await().atMost(Duration.ofSeconds(30)).until(w::done);
      assertThat(w.lookups()).isEqualTo(25);
      // The store still answers as before.
      assertThat(store.get("/api/v1/traces/" + ids.get(0).toHex()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void doesNothing_onAnEmptyStore_orWithNoTimeLeft_orWhenOff() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      QueryService qs = store.exporter.queryService();
      assertThat(qs.sampleTraceIds(100)).isEmpty();
      QueryWarmUp empty = warmUp(store, Duration.ofMinutes(1));
      await().atMost(Duration.ofSeconds(30)).until(empty::done);
      assertThat(empty.lookups()).isZero();

      store(store, 5);
      QueryWarmUp noTime = warmUp(store, Duration.ofNanos(1));
      await().atMost(Duration.ofSeconds(30)).until(noTime::done);
      assertThat(noTime.lookups()).isZero();

      assertThat(warmUp(store, Duration.ZERO)).isNull();
    }
  }

  @Test
  void givesUp_whenTheQueryApiDoesNotAnswer() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      store(store, 5);
      InetSocketAddress closed;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closed = new InetSocketAddress("127.0.0.1", s.getLocalPort());
      }
      QueryWarmUp w = QueryWarmUp.start(store.exporter.queryService(), closed, Duration.ofMinutes(1),
          LoggerFactory.getLogger(QueryWarmUpIT.class));
      await().atMost(Duration.ofSeconds(30)).until(w::done);
      assertThat(w.lookups()).isZero();
    }
  }

  @Test
  void stop_endsTheWarmUpBeforeTheStoreCloses() throws Exception {
    try (StoreHarness store = StoreHarness.start(dir)) {
      store(store, 200);
      QueryWarmUp w = warmUp(store, Duration.ofMinutes(1));
      w.stop(Duration.ofSeconds(30));

      assertThat(w.done()).as("stop returns once the lookup in progress has ended").isTrue();
    }
  }
}
