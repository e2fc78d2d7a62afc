package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HeapProbeTest {

  @Test
  void theHistogramsTotalLineGivesTheLiveBytes() {
    assertThat(HeapProbe.total(List.of(
        " num     #instances         #bytes  class name (module)",
        "   1:         12345        6789012  [B (java.base@25)",
        "Total        101234       98765432"))).isEqualTo(98_765_432L);
    assertThat(HeapProbe.total(List.of("12345: Unable to open socket file"))).isEqualTo(-1);
  }

  @Test
  void measuresARunningJvmFromOutside() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jcmd")),
        "this JVM has no jcmd beside it (a JRE)");
    // A JVM of its own: one that holds 64 MiB no collection can free, and says when it does.
    Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        HoldsHeap.class.getName()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("holding");

      long live = HeapProbe.liveBytes(child.pid());

      assertThat(live).isBetween(64L << 20, 128L << 20);
    } finally {
      child.destroyForcibly();
    }
  }

  /** The child of {@link #measuresARunningJvmFromOutside}. */
  public static final class HoldsHeap {
    static byte[][] held = new byte[64][];

    /** Says "holding" on stdout (the test waits for that line), then holds until stdin closes. */
    public static void main(String[] args) throws java.io.IOException {
      for (int i = 0; i < held.length; i++) {
        held[i] = new byte[1 << 20];
      }
      System.out.println("holding");
      System.out.flush();
      System.in.read();  // returns when the test ends the process, and with it the pipe
    }
  }

  @Test
  void theReportSaysWhatWasMeasured() {
    assertThat(StormCommand.heapReport(new SystemUnderTest.Heap(1536, 64L << 20)))
        .isEqualTo("; concentrator heap 1.50 KiB per VM; broker heap at rest 64 MiB");
    assertThat(StormCommand.heapReport(new SystemUnderTest.Heap(-1, 64L << 20)))
        .isEqualTo("; broker heap at rest 64 MiB");
    assertThat(StormCommand.heapReport(SystemUnderTest.Heap.UNMEASURED)).isEmpty();
  }
}
