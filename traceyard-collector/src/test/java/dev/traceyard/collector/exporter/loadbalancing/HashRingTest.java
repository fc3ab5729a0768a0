package dev.traceyard.collector.exporter.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /** A key whose owner differs between two rings: its owner before and after. */
  private record Move(String from, String to) {}

  /** Every key of {@link #keys()} that changes owner from {@code before} to {@code after}. */
  private static List<Move> moves(HashRing before, HashRing after) {
    List<Move> out = new ArrayList<>();
    for (long k : keys()) {
      String was = ownerOf(before, k);
      String is = ownerOf(after, k);
      if (!was.equals(is)) {
        out.add(new Move(was, is));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} members")
  @ValueSource(ints = {3, 5, 10})
  void removingOneOfNMembers_movesOnlyItsOwnKeys_aboutOneNth(int n) {
    List<String> eps = endpoints(n);
    String leaving = eps.get(1);
    List<String> rest = new ArrayList<>(eps);
    rest.remove(leaving);
    List<Move> moves = moves(HashRing.of(eps), HashRing.of(rest));
    assertThat(moves).extracting(Move::from).as("only the leaving member's keys move").containsOnly(leaving);
    assertThat((double) moves.size() / KEYS).as("moved share with %d members", n).isCloseTo(1.0 / n, within(0.35 / n));
  }

  @ParameterizedTest(name = "{0}+1 members")
  @ValueSource(ints = {3, 5, 10})
  void addingAMember_movesAboutOneOverNPlusOne_allToTheNewcomer(int n) {
    List<String> eps = endpoints(n + 1);
    String joining = eps.remove(n);
    List<String> all = new ArrayList<>(eps);
    all.add(joining);
    List<Move> moves = moves(HashRing.of(eps), HashRing.of(all));
    assertThat(moves).extracting(Move::to).as("moved keys go to the newcomer").containsOnly(joining);
    assertThat((double) moves.size() / KEYS).as("moved share with %d+1 members", n)
        .isCloseTo(1.0 / (n + 1), within(0.35 / (n + 1)));
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
