package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.shardbroker.broker.ConcentratorDirectory.Health;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.PoolFreeSlots;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which members a sampled candidate search asks, from the free slots they advertised. */
class SampledMembersTest {

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private static List<String> choose(Map<String, Integer> freeSlots, int d, Random random) {
    return SampledMembers.choose(List.copyOf(freeSlots.keySet()), freeSlots::get, d, random);
  }

  @Test
  void asksTheMembersWithTheMostFreeSlotsMostFirst() {
    Map<String, Integer> free = Map.of("c1", 3, "c2", 10, "c3", 0, "c4", 7);

    assertThat(choose(free, 2, new Random(1))).containsExactly("c2", "c4");
    assertThat(choose(free, 1, new Random(1))).containsExactly("c2");
    assertThat(choose(free, 4, new Random(1))).containsExactly("c2", "c4", "c1", "c3");
  }

  @Test
  void withNoMoreMembersThanDAsksThemAll() {
    assertThat(choose(Map.of("c1", 3), 2, new Random(1))).containsExactly("c1");
    assertThat(choose(Map.of(), 2, new Random(1))).isEmpty();
  }

  /** Brokers that see the same slots must not all ask the same tied members. */
  @Test
  void breaksTiesAtRandomSoThatBrokersSpread() {
    Map<String, Integer> free = Map.of("c1", 5, "c2", 5, "c3", 5, "c4", 9);
    Random random = new Random(42);
    Set<String> secondChoices = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      List<String> chosen = choose(free, 2, random);
      assertThat(chosen.getFirst()).isEqualTo("c4");
      secondChoices.add(chosen.get(1));
    }
    assertThat(secondChoices).containsExactlyInAnyOrder("c1", "c2", "c3");
  }

  @Test
  void theSameRandomSequenceGivesTheSameChoice() {
    Map<String, Integer> free = Map.of("c1", 1, "c2", 1, "c3", 1, "c4", 1);

    assertThat(choose(free, 2, new Random(7))).isEqualTo(choose(free, 2, new Random(7)));
  }

  @Test
  void freeSlotsAreWhatTheLastHealthAnswerSaysOfThePoolAndNothingOtherwise() {
    HealthResponse health = health(Map.of("desktop", 12, "labs", 3));

    assertThat(SampledMembers.freeSlots(health, "desktop")).isEqualTo(12);
    assertThat(SampledMembers.freeSlots(health, "engineering")).as("no VM of the pool").isZero();
    assertThat(SampledMembers.freeSlots(null, "desktop")).as("no answer yet").isZero();
    assertThat(SampledMembers.freeSlots(health(Map.of("desktop", -1)), "desktop"))
        .as("uint32 on the wire").isEqualTo(4_294_967_295L);
  }

  @Test
  void onlyMembersNotKnownToBeDownAreAskedAndUnknownSlotsCountAsNone() {
    Member silent = member("c1", Health.UNKNOWN, null);
    Member roomy = member("c2", Health.DOWN, health(Map.of("desktop", 50)));
    Member some = member("c3", Health.UP, health(Map.of("desktop", 4)));
    Member few = member("c4", Health.UP, health(Map.of("desktop", 1, "labs", 90)));
    SetView set = new SetView("a", List.of(silent, roomy, some, few));

    SetView asked = SampledMembers.of(set, "desktop", 2, new Random(1));

    assertThat(asked.id()).isEqualTo("a");
    assertThat(asked.members()).containsExactly(some, few);
    assertThat(SampledMembers.of(set, "desktop", 5, new Random(1)).members())
        .as("fewer than d up: those").containsExactly(some, few, silent);
  }

  @Test
  void whenEveryMemberIsDownTheChoiceIsAmongAllAsAScatterWouldAskThem() {
    Member a = member("c1", Health.DOWN, health(Map.of("desktop", 2)));
    Member b = member("c2", Health.DOWN, health(Map.of("desktop", 8)));
    Member c = member("c3", Health.DOWN, null);

    assertThat(SampledMembers.of(new SetView("a", List.of(a, b, c)), "desktop", 2, new Random(1)).members())
        .containsExactly(b, a);
  }

  private Member member(String id, Health health, HealthResponse lastHealth) {
    ManagedChannel channel = InProcessChannelBuilder.forName("sampled-members-unused-" + id).build();
    channels.add(channel);
    Member m = new Member("a", ConcentratorEndpoint.newBuilder().setId(id).setAddress("unused").build(), channel);
    m.health = health;
    m.lastHealth = lastHealth;
    return m;
  }

  private static HealthResponse health(Map<String, Integer> freeSlots) {
    HealthResponse.Builder health = HealthResponse.newBuilder();
    freeSlots.forEach((pool, slots) ->
        health.addFreeSlots(PoolFreeSlots.newBuilder().setPool(pool).setFreeSlots(slots)));
    return health.build();
  }
}
