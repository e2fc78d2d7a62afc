package io.shardbroker.agent;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing of a VM over the concentrators of one set.
 *
 * <p>Every (VM, concentrator) pair gets a pseudo-random weight; the VM attaches to the concentrator
 * with the highest weight, and falls back along the descending order. Because each weight depends
 * only on its own pair, removing a concentrator moves only the VMs that were on it, and adding one
 * takes over only the VMs for which it now weighs most: about 1/n of the fleet.
 *
 * <p>Weights come from concentrator ids, never addresses, so moving a concentrator to a new
 * address moves no VM.
 */
public final class Rendezvous {

  private Rendezvous() {}

  /** The set's concentrators in the order this VM prefers them: best first. */
  public static List<ConcentratorEndpoint> rank(String vmId, List<ConcentratorEndpoint> concentrators) {
    long vmHash = hash(vmId, 0x9E3779B97F4A7C15L);
    List<ConcentratorEndpoint> ranked = new ArrayList<>(concentrators);
    ranked.sort(Comparator
        .comparingLong((ConcentratorEndpoint c) -> weight(vmHash, c.getId())).reversed()
        .thenComparing(ConcentratorEndpoint::getId));
    return ranked;
  }

  /** The concentrator this VM attaches to when all are up; null for an empty set. */
  public static ConcentratorEndpoint choose(String vmId, List<ConcentratorEndpoint> concentrators) {
    List<ConcentratorEndpoint> ranked = rank(vmId, concentrators);
    return ranked.isEmpty() ? null : ranked.get(0);
  }

  static long weight(long vmHash, String concentratorId) {
    return mix(vmHash ^ hash(concentratorId, 0xC2B2AE3D27D4EB4FL));
  }

  /** FNV-1a over the UTF-8 bytes, finished with a mixer so that similar ids spread apart. */
  private static long hash(String text, long seed) {
    long h = 0xCBF29CE484222325L ^ seed;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xFF);
      h *= 0x100000001B3L;
    }
    return mix(h);
  }

  /** The SplitMix64 finaliser: a bijection whose every output bit depends on every input bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
