package dev.traceyard.collector.exporter.loadbalancing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * A consistent-hashing ring with virtual nodes: each endpoint owns {@code virtualNodes} points on a
 * 64-bit circle, hashed from its address, and a key belongs to the first point at or after the key's
 * hash. Adding or removing one of N endpoints therefore moves only the keys of the arcs it gains or
 * loses, about 1/(N+1) or 1/N of them; everything else stays where it was.
 *
 * <p>otelcol's exporter uses a fixed ring of 3600 slots with 100 points per endpoint (crc32). We use
 * the whole 64-bit circle with 160 points per endpoint: no slot collisions between endpoints, a load
 * spread of a few per cent, and the same movement property. Point positions depend only on the
 * endpoint string, so every agent that resolves the same members builds the same ring, whatever the
 * order the resolver returned them in. Immutable and thread-safe.
 */
final class HashRing {
  static final int DEFAULT_VIRTUAL_NODES = 160;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final List<String> endpoints;
  private final long[] points;
  private final int[] owners;

  private HashRing(List<String> endpoints, long[] points, int[] owners) {
    this.endpoints = endpoints;
    this.points = points;
    this.owners = owners;
  }

  static HashRing of(Iterable<String> members) {
    return of(members, DEFAULT_VIRTUAL_NODES);
  }

  static HashRing of(Iterable<String> members, int virtualNodes) {
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtualNodes must be at least 1");
    }
    TreeSet<String> sorted = new TreeSet<>();
    members.forEach(sorted::add);
    List<String> eps = Collections.unmodifiableList(new ArrayList<>(sorted));
    int n = eps.size() * virtualNodes;
    long[][] pairs = new long[n][];
    int k = 0;
    for (int e = 0; e < eps.size(); e++) {
      long base = Hashing.ofString(eps.get(e));
      for (int v = 0; v < virtualNodes; v++) {
        pairs[k++] = new long[] {Hashing.mix(base + GOLDEN * (v + 1)), e};
      }
    }
    // Ties (vanishingly rare with 64 bits) go to the smaller endpoint, so every builder agrees.
    Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    long[] points = new long[n];
    int[] owners = new int[n];
    for (int i = 0; i < n; i++) {
      points[i] = pairs[i][0];
      owners[i] = (int) pairs[i][1];
    }
    return new HashRing(eps, points, owners);
  }

  /** The members, sorted; indexes returned by {@link #owner} point into this list. */
  List<String> endpoints() {
    return endpoints;
  }

  int size() {
    return endpoints.size();
  }

  boolean isEmpty() {
    return endpoints.isEmpty();
  }

  /** The index of the endpoint owning {@code hash}; -1 when the ring is empty. */
  int owner(long hash) {
    if (points.length == 0) {
      return -1;
    }
    return owners[position(hash)];
  }

  /**
   * The owner of {@code hash} among the endpoints {@code eligible} accepts: the first eligible one
   * walking clockwise from the key, so the keys of an ineligible endpoint spread over the others
   * as if it had left the ring, and nobody else's keys move. When none is eligible, the plain owner
   * (a retry there is better than nowhere).
   */
  int owner(long hash, Eligibility eligible) {
    if (points.length == 0) {
      return -1;
    }
    int start = position(hash);
    int first = owners[start];
    if (eligible.test(first)) {
      return first;
    }
    for (int i = 1; i < points.length; i++) {
      int o = owners[(start + i) % points.length];
      if (o != first && eligible.test(o)) {
        return o;
      }
    }
    return first;
  }

  private int position(long hash) {
    // The circle runs from Long.MIN_VALUE to Long.MAX_VALUE and wraps, in the order points were sorted.
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (points[mid] < hash) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == points.length ? 0 : lo;
  }

  /** Which endpoints (by index) may take data now. */
  @FunctionalInterface
  interface Eligibility {
    boolean test(int endpoint);
  }
}
