package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  private static final List<String> VMS =
      IntStream.range(0, 10_000).mapToObj(i -> String.format("vm-%05d", i)).toList();

  private static ConcentratorEndpoint endpoint(String id) {
    return endpoint(id, id + ".example:7443");
  }

  private static ConcentratorEndpoint endpoint(String id, String address) {
    return ConcentratorEndpoint.newBuilder().setId(id).setAddress(address).build();
  }

  private static List<ConcentratorEndpoint> concentrators(int n) {
    List<ConcentratorEndpoint> list = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      list.add(endpoint("c" + i));
    }
    return list;
  }

  /** VM id -> id of the concentrator it chooses. */
  private static Map<String, String> choices(List<ConcentratorEndpoint> concentrators) {
    Map<String, String> result = new HashMap<>();
    for (String vm : VMS) {
      result.put(vm, Rendezvous.choose(vm, concentrators).getId());
    }
    return result;
  }

  @Test
  void spreadsVmsEvenlyOverTheSet() {
    Map<String, Long> perConcentrator = choices(concentrators(4)).values().stream()
        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));

    assertThat(perConcentrator).containsOnlyKeys("c1", "c2", "c3", "c4");
    assertThat(perConcentrator.values()).allSatisfy(n -> assertThat(n).isBetween(2_250L, 2_750L));
  }

  @Test
  void removingAConcentratorMovesOnlyTheVmsThatWereOnIt() {
    List<ConcentratorEndpoint> four = concentrators(4);
    Map<String, String> before = choices(four);
    List<ConcentratorEndpoint> three = new ArrayList<>(four);
    three.removeIf(c -> c.getId().equals("c3"));

    Map<String, String> after = choices(three);

    int moved = 0;
    for (String vm : VMS) {
      if (before.get(vm).equals("c3")) {
        moved++;
        assertThat(after.get(vm)).isNotEqualTo("c3");
      } else {
        assertThat(after.get(vm)).as(vm).isEqualTo(before.get(vm));
      }
    }
    assertThat(moved).isGreaterThan(2_000);  // the removed one really had its share
  }

  @Test
  void addingAConcentratorMovesVmsOnlyOntoTheNewOne() {
    List<ConcentratorEndpoint> four = concentrators(4);
    Map<String, String> before = choices(four);

    Map<String, String> after = choices(concentrators(5));

    int moved = 0;
    for (String vm : VMS) {
      if (!after.get(vm).equals(before.get(vm))) {
        moved++;
        assertThat(after.get(vm)).as(vm).isEqualTo("c5");
      }
    }
    // About a fifth of the fleet moves to the newcomer, not more.
    assertThat(moved).isBetween(1_800, 2_200);
  }

  @Test
  void rankingIsADeterministicPermutationOfTheSet() {
    List<ConcentratorEndpoint> set = concentrators(5);
    List<ConcentratorEndpoint> reversed = new ArrayList<>(set);
    java.util.Collections.reverse(reversed);

    for (String vm : VMS.subList(0, 500)) {
      List<ConcentratorEndpoint> ranked = Rendezvous.rank(vm, set);
      assertThat(ranked).containsExactlyInAnyOrderElementsOf(set);
      // Same answer every time, whatever order the topology lists the members in.
      assertThat(Rendezvous.rank(vm, set)).isEqualTo(ranked);
      assertThat(Rendezvous.rank(vm, reversed)).isEqualTo(ranked);
      assertThat(Rendezvous.choose(vm, set)).isEqualTo(ranked.get(0));
    }
  }

  @Test
  void fallbackOrderIsNotTheSameForEveryVm() {
    // If every VM shared one fallback order, a failed concentrator's VMs would all pile onto one.
    List<ConcentratorEndpoint> set = concentrators(4);
    Map<String, Long> secondChoiceOfC1Vms = VMS.stream()
        .map(vm -> Rendezvous.rank(vm, set))
        .filter(r -> r.get(0).getId().equals("c1"))
        .collect(Collectors.groupingBy(r -> r.get(1).getId(), Collectors.counting()));

    assertThat(secondChoiceOfC1Vms).containsOnlyKeys("c2", "c3", "c4");
    assertThat(secondChoiceOfC1Vms.values()).allSatisfy(n -> assertThat(n).isGreaterThan(700L));
  }

  @Test
  void emptySetHasNoChoice() {
    assertThat(Rendezvous.choose("vm-1", List.of())).isNull();
    assertThat(Rendezvous.rank("vm-1", List.of())).isEmpty();
  }

  @Test
  void changingAnAddressMovesNoVm() {
    List<ConcentratorEndpoint> set = concentrators(4);
    Map<String, String> before = choices(set);
    List<ConcentratorEndpoint> moved = new ArrayList<>(set);
    moved.set(1, endpoint("c2", "10.9.9.9:7443"));

    assertThat(choices(moved)).isEqualTo(before);
    String someVmOnC2 = VMS.stream().filter(vm -> before.get(vm).equals("c2")).findFirst().orElseThrow();
    assertThat(Rendezvous.choose(someVmOnC2, moved).getAddress()).isEqualTo("10.9.9.9:7443");
  }
}
