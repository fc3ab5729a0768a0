package dev.traceyard.collector.exporter.loadbalancing;

import dev.traceyard.collector.component.Exporter;
import dev.traceyard.collector.component.ExporterFactory;
import dev.traceyard.collector.data.TraceBatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Function;

/**
 * Lets the benchmarks reach the exporter's ring and splitter, and give it a DNS answer they control.
 * Lives in the exporter's package (in the benchmarks jar) so that the exporter needs no public test hooks.
 */
public final class LoadBalancingBenchmarkAccess {
  private final HashRing ring;

  public LoadBalancingBenchmarkAccess(List<String> endpoints) {
    this.ring = HashRing.of(endpoints);
  }

  /** Splits by trace id over the ring, as the exporter does when every backend is up. */
  public TraceBatch[] split(TraceBatch batch) {
    return BatchSplitter.split(batch, RoutingKey.TRACE_ID, ring.size(), ring::owner);
  }

  /** The index of the endpoint owning a trace id (16 bytes). */
  public int owner(com.google.protobuf.ByteString traceId) {
    return ring.owner(Hashing.ofTraceId(traceId));
  }

  /** A factory whose DNS resolver asks {@code lookup} instead of the system resolver. */
  public static ExporterFactory<?> factory(Function<String, List<InetAddress>> lookup) {
    return new LoadBalancingExporterFactory(host -> {
      List<InetAddress> out = lookup.apply(host);
      if (out == null) {
        throw new UnknownHostException(host);
      }
      return out;
    });
  }

  /** The members the exporter currently routes to. */
  public static List<String> endpoints(Exporter loadbalancing) {
    return ((LoadBalancingExporter) loadbalancing).endpoints();
  }
}
