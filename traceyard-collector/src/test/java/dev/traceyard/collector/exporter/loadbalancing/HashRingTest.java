package dev.traceyard.collector.exporter.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashRingTest {
  private static final int KEYS = 200_000;

  private static List<String> endpoints(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add("10.0.0." + i + ":4317");
    }
    return out;
  }

  private static long[] keys() {
    SplittableRandom random = new SplittableRandom(42);
    long[] keys = new long[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = random.nextLong();
    }
    return keys;
  }

  private static String ownerOf(HashRing ring, long key) {
    return ring.endpoints().get(ring.owner(key));
  }

  @Test
  void theSameMembersInAnyOrderBuildTheSameRing() {
    List<String> eps = endpoints(6);
    List<String> reversed = new ArrayList<>(eps);
    java.util.Collections.reverse(reversed);
    HashRing a = HashRing.of(eps);
    HashRing b = HashRing.of(reversed);
    for (long k : keys()) {
      assertThat(ownerOf(a, k)).isEqualTo(ownerOf(b, k));
    }
  }

  @Test
  void spreadsKeysEvenlyOverTheMembers() {
    HashRing ring = HashRing.of(endpoints(5));
    Map<String, Integer> counts = new HashMap<>();
    for (long k : keys()) {
      counts.merge(ownerOf(ring, k), 1, Integer::sum);
    }
    assertThat(counts).hasSize(5);
    for (int c : counts.values()) {
      assertThat((double) c / KEYS).isCloseTo(0.2, within(0.05));
    }
  }

  @Test
  void removingOneOfNMembers_movesOnlyItsOwnKeys_aboutOneNth() {
    for (int n : new int[] {3, 5, 10}) {
      List<String> eps = endpoints(n);
      HashRing before = HashRing.of(eps);
      String leaving = eps.get(1);
      List<String> rest = new ArrayList<>(eps);
      rest.remove(leaving);
      HashRing after = HashRing.of(rest);
      int moved = 0;
      for (long k : keys()) {
        String was = ownerOf(before, k);
        String is = ownerOf(after, k);
        if (!was.equals(is)) {
          moved++;
          assertThat(was).as("only the leaving member's keys move").isEqualTo(leaving);
        } else {
          assertThat(was).isNotEqualTo(leaving);
        }
      }
      assertThat((double) moved / KEYS).as("moved share with %d members", n).isCloseTo(1.0 / n, within(0.35 / n));
    }
  }

  @Test
  void addingAMember_movesAboutOneOverNPlusOne_allToTheNewcomer() {
    for (int n : new int[] {3, 5, 10}) {
      List<String> eps = endpoints(n + 1);
      String joining = eps.remove(n);
      HashRing before = HashRing.of(eps);
      List<String> all = new ArrayList<>(eps);
      all.add(joining);
      HashRing after = HashRing.of(all);
      int moved = 0;
      for (long k : keys()) {
        String was = ownerOf(before, k);
        String is = ownerOf(after, k);
        if (!was.equals(is)) {
          moved++;
          assertThat(is).as("moved keys go to the newcomer").isEqualTo(joining);
        }
      }
      assertThat((double) moved / KEYS).as("moved share with %d+1 members", n).isCloseTo(1.0 / (n + 1), within(0.35 / (n + 1)));
    }
  }

  @Test
  void skippingAnIneligibleMember_routesExactlyAsTheRingWithoutIt() {
    List<String> eps = endpoints(4);
    HashRing ring = HashRing.of(eps);
    int down = ring.endpoints().indexOf("10.0.0.3:4317");
    List<String> rest = new ArrayList<>(eps);
    rest.remove("10.0.0.3:4317");
    HashRing without = HashRing.of(rest);
    for (long k : keys()) {
      assertThat(ring.endpoints().get(ring.owner(k, i -> i != down))).isEqualTo(ownerOf(without, k));
    }
  }

  @Test
  void whenNoMemberIsEligible_thePlainOwnerIsKept() {
    HashRing ring = HashRing.of(endpoints(3));
    for (long k : keys()) {
      assertThat(ring.owner(k, i -> false)).isEqualTo(ring.owner(k));
    }
  }

  @Test
  void anEmptyRingHasNoOwner() {
    assertThat(HashRing.of(List.of()).owner(123L)).isEqualTo(-1);
  }
}
