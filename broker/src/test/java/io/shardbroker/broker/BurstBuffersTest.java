package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BurstBuffersTest {

  @Test
  void aBufferGivenBackIsTakenAgainAndOnlyAsManyAsKeptAreHeld() {
    BurstBuffers buffers = new BurstBuffers(2);
    List<byte[]> taken = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      taken.add(buffers.take());
    }
    assertThat(taken).allSatisfy(b -> assertThat(b).hasSize(BurstBuffers.SIZE));
    assertThat(taken.get(0)).isNotSameAs(taken.get(1)).isNotSameAs(taken.get(2));
    assertThat(taken.get(1)).isNotSameAs(taken.get(2));

    taken.forEach(buffers::give);  // the third is left to the collector
    List<byte[]> again = List.of(buffers.take(), buffers.take(), buffers.take());
    assertThat(again.subList(0, 2)).allMatch(b -> taken.stream().anyMatch(t -> t == b));
    assertThat(taken).noneMatch(t -> t == again.get(2));
  }
}
