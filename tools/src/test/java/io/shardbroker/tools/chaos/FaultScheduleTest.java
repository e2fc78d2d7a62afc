package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.tools.chaos.FaultSchedule.AgentCrash;
import io.shardbroker.tools.chaos.FaultSchedule.BrokerCrash;
import io.shardbroker.tools.chaos.FaultSchedule.ConcentratorCrash;
import io.shardbroker.tools.chaos.FaultSchedule.Planned;
import io.shardbroker.tools.chaos.FaultSchedule.SetOutage;
import io.shardbroker.tools.chaos.FaultSchedule.StreamDrop;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultScheduleTest {

  private static final List<String> AGENTS = List.of("real-desktop-1", "real-desktop-2");

  @ParameterizedTest
  @ValueSource(longs = {1, 42, 7_777})
  void aPlanIsTheSameForTheSameSeedAndHasEveryKindOfFaultInsideTheRun(long seed) {
    Duration run = Duration.ofMinutes(2);
    List<Planned> plan = FaultSchedule.plan(seed, run, 5000, AGENTS);

    assertThat(FaultSchedule.plan(seed, run, 5000, AGENTS)).isEqualTo(plan);
    assertThat(plan).extracting(Planned::at).isSorted()
        .allMatch(at -> at.compareTo(Duration.ofSeconds(FaultSchedule.FIRST_FAULT_SECONDS)) >= 0 && at.compareTo(run) < 0);
    assertThat(plan).filteredOn(p -> p.fault() instanceof BrokerCrash).hasSize(1);
    assertThat(plan).filteredOn(p -> p.fault() instanceof SetOutage).singleElement()
        .satisfies(p -> assertThat(p.at().plus(p.fault().down())).isLessThan(run));
    // every 3 to 7 s from the 5th second on: between 17 and 39 periodic faults in 2 minutes
    assertThat(plan).filteredOn(p -> p.fault() instanceof ConcentratorCrash || p.fault() instanceof StreamDrop)
        .hasSizeBetween(17, 39);
    assertThat(plan).filteredOn(p -> p.fault() instanceof StreamDrop)
        .allMatch(p -> ((StreamDrop) p.fault()).vms() == 50);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 42, 7_777})
  void theShortestRunStillEndsItsSetOutageInTime(long seed) {
    Duration run = Duration.ofSeconds(30);
    assertThat(FaultSchedule.plan(seed, run, 10, AGENTS)).filteredOn(p -> p.fault() instanceof SetOutage)
        .singleElement()
        .satisfies(p -> assertThat(p.at().plus(p.fault().down())).isLessThan(run));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 42, 7_777})
  void realAgentsCrashEveryFewSecondsOverTheRunAndTheOtherFaultsStayThoseOfTheSeed(long seed) {
    Duration run = Duration.ofMinutes(2);
    List<Planned> plan = FaultSchedule.plan(seed, run, 5000, AGENTS);

    // every 10 to 20 s from the 15th second on: between 6 and 11 in 2 minutes
    assertThat(plan).filteredOn(p -> p.fault() instanceof AgentCrash).hasSizeBetween(6, 11)
        .allMatch(p -> AGENTS.contains(((AgentCrash) p.fault()).vmId()))
        .allMatch(p -> p.fault().down().compareTo(Duration.ofSeconds(2)) >= 0
            && p.fault().down().compareTo(Duration.ofSeconds(5)) <= 0);
    assertThat(plan).filteredOn(p -> !(p.fault() instanceof AgentCrash))
        .isEqualTo(FaultSchedule.plan(seed, run, 5000, List.of()));
    assertThat(FaultSchedule.plan(seed, Duration.ofSeconds(30), 10, List.of("real-desktop-1")))
        .filteredOn(p -> p.fault() instanceof AgentCrash).isNotEmpty();
  }
}
