package dev.traceyard.store;

import io.opentelemetry.proto.logs.v1.LogRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: how long the Instrumentation health endpoints take over many trace_quality reports.
 * Run on demand: {@code mvn -o -pl traceyard-store -am test -Dtest=QualityQueryMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dhours=24]}. Each one-minute report of each of 10
 * services has 10 findings, 20 span-name cost records (and "*") and 20 attribute weights. Figures
 * are printed, never asserted.
 */
class QualityQueryMeasurement {
  static final int SERVICES = 10;
  static final long MIN = 60_000_000_000L;

  @TempDir
  Path dir;

  @Test
  void measure() throws Exception {
    int hours = Integer.getInteger("hours", 6);
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T23:59:00Z"));
    try (StoreHarness store = StoreHarness.start(dir, clock, StoreHarness.options(dir, clock)
        .withMemoryLimit("1GB"))) {
      long now = store.clock.nanos();
      long records = 0;
      long t0 = System.nanoTime();
      for (int m = hours * 60; m >= 1; m--) {
        long t = now - m * MIN;
        for (int s = 0; s < SERVICES; s++) {
          List<LogRecord> r = new ArrayList<>();
          for (int f = 0; f < 10; f++) {
            r.add(QualityApiIT.finding(t, TestDataTraces.id(m, s, f), 1, "orphan_span", "op-" + f, f % 2 == 0 ? null
                : "key-" + f, null, 3, 2, 100, "3 spans whose parent never arrived", null));
          }
          for (int n = 0; n < 20; n++) {
            r.add(QualityApiIT.cost(t, "op-" + n, 50, 100, 25_000, 10_000));
          }
          r.add(QualityApiIT.cost(t, "*", 1000, 100, 0, 0));
          for (int k = 0; k < 20; k++) {
            r.add(QualityApiIT.costAttribute(t, "attr-" + k, 1000 + k, 100));
          }
          records += r.size();
          store.send(QualityApiIT.report("service-" + s, r));
        }
        if (m % 60 == 0) {
          store.flush();
        }
      }
      store.flush();
      System.out.printf("wrote %d report records (%d h x %d services) in %.1f s%n", records, hours, SERVICES,
          (System.nanoTime() - t0) / 1e9);
      String lookback = "lookback=" + hours + "h";
      for (String path : new String[] {"/api/v1/quality/findings?" + lookback,
          "/api/v1/quality/findings?service=service-3&" + lookback, "/api/v1/quality/cost?" + lookback,
          "/api/v1/quality/cost?service=service-3&" + lookback, "/api/v1/quality/findings?service=service-3&lookback=1h"}) {
        store.json(path); // warm
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
          long s = System.nanoTime();
          store.json(path);
          ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%-70s median %.0f ms (min %.0f, max %.0f)%n", path, ms[2], ms[0], ms[4]);
      }
    }
  }

  /** Distinct example trace ids. */
  static final class TestDataTraces {
    static dev.traceyard.store.query.TraceId id(int minute, int service, int finding) {
      return TestData.traceId(((long) minute * 1000 + service) * 100 + finding + 1);
    }
  }
}
