package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.JsonHttp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The real agent processes of a chaos run, beside the sim's fleet, and the record their VMs keep,
 * which the sim's does not cover. Each is a single-user VM in pool {@value ChaosCluster#DESKTOP_POOL}
 * whose exec session host runs the example scripts of {@code config/scripts} (starts through
 * {@value #START_SCRIPT}), with a directory of its own:
 *
 * <ul>
 *   <li>{@code sessions/}, the VM's {@code SESSIONS_DIR}: one file per session that runs, which
 *       {@code list-sessions.sh} lists, so it is exactly what a restarted agent reports;
 *   <li>{@code starts.log}: one line per session started, with how many sessions the VM already
 *       ran then. Starts on one VM take turns, so the count holds even if the agent let two in at
 *       once.
 * </ul>
 *
 * <p>{@link #read} turns that into each VM's truth, and {@link Vm#truth} into the shape of the
 * sim's VM records, so that the verdict and the convergence check judge a real VM as they judge a
 * simulated one.
 */
final class RealAgents {

  static final String VM_PREFIX = "real-desktop-";
  static final int CAPACITY = 1;
  static final String START_SCRIPT = "chaos-start-session.sh";
  /** The chaos start script and the example scripts it and the agents run, from the classpath. */
  private static final List<String> SCRIPTS =
      List.of(START_SCRIPT, "start-session.sh", "end-session.sh", "list-sessions.sh");

  /** One session a VM runs. */
  record Session(String sessionId, String user) {}

  /**
   * What one VM's own record says.
   *
   * @param sessions the sessions it runs now
   * @param starts the sessions it started over the run
   * @param mostAtOnce the most sessions it ever ran at once; 0 before its first start
   */
  record Vm(String vmId, List<Session> sessions, int starts, int mostAtOnce) {

    Vm {
      sessions = List.copyOf(sessions);
    }

    /**
     * This VM in the shape of the sim's VM records ({@code VmTruth}), with {@code "realAgent": true}
     * to tell it from them, and {@code attachments} (set id to concentrator id) as its agent's log has them.
     */
    ObjectNode truth(Map<String, String> attachments) {
      ObjectNode vm = JsonHttp.JSON.createObjectNode()
          .put("vmId", vmId)
          .put("pool", ChaosCluster.DESKTOP_POOL)
          .put("capacity", CAPACITY)
          .put("maxConcurrentSessions", mostAtOnce)
          .put("realAgent", true);
      ArrayNode running = vm.putArray("sessions");
      sessions.forEach(s -> running.addObject().put("sessionId", s.sessionId()).put("user", s.user()));
      ObjectNode attached = vm.putObject("attachments");
      attachments.forEach(attached::put);
      return vm;
    }
  }

  private final Path dir;
  private final List<String> vmIds;

  /** {@code count} agents, real-desktop-1 and up, their scripts and VMs' directories in {@code dir}. */
  RealAgents(Path dir, int count) {
    this.dir = dir.toAbsolutePath().normalize();
    this.vmIds = IntStream.rangeClosed(1, count).mapToObj(i -> VM_PREFIX + i).toList();
  }

  List<String> vmIds() {
    return vmIds;
  }

  /**
   * Writes the scripts and the VMs' directories, and returns the agents: each runs the scripts
   * with {@code SESSIONS_DIR} (and, to start, {@code STARTS_LOG}) of its own VM.
   */
  List<ClusterSpec.RealAgent> write() throws IOException {
    Path scripts = Files.createDirectories(dir.resolve("scripts"));
    for (String name : SCRIPTS) {
      try (InputStream in = RealAgents.class.getResourceAsStream("scripts/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the tools jar lacks the session script " + name);
        }
        Path script = scripts.resolve(name);
        Files.write(script, in.readAllBytes());
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    List<ClusterSpec.RealAgent> agents = new ArrayList<>();
    for (String vmId : vmIds) {
      Files.createDirectories(sessions(vmId));
      Files.writeString(startsLog(vmId), "");
      String sessionsDir = "SESSIONS_DIR=" + sessions(vmId);
      agents.add(new ClusterSpec.RealAgent(vmId, ChaosCluster.DESKTOP_POOL, CAPACITY,
          List.of("env", sessionsDir, "STARTS_LOG=" + startsLog(vmId), scripts.resolve(START_SCRIPT).toString()),
          List.of("env", sessionsDir, scripts.resolve("end-session.sh").toString()))
          .withList(List.of("env", sessionsDir, scripts.resolve("list-sessions.sh").toString())));
    }
    return agents;
  }

  private Path sessions(String vmId) {
    return dir.resolve(vmId).resolve("sessions");
  }

  private Path startsLog(String vmId) {
    return dir.resolve(vmId).resolve("starts.log");
  }

  /** How many sessions VM {@code vmId} runs now; -1 when that cannot be read. */
  int sessionsOn(String vmId) {
    try {
      return sessionFiles(vmId).size();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Every VM's record as it is now. */
  List<Vm> read() throws IOException {
    List<Vm> vms = new ArrayList<>();
    for (String vmId : vmIds) {
      List<Session> sessions = new ArrayList<>();
      for (Path file : sessionFiles(vmId)) {
        JsonNode s = JsonHttp.JSON.readTree(file.toFile());
        if (s == null || !s.hasNonNull("sessionId")) {
          throw new IOException(file + " is half written or not a session: read it again later");
        }
        sessions.add(new Session(s.path("sessionId").asText(), s.path("user").asText()));
      }
      int starts = 0;
      int mostAtOnce = 0;
      for (String line : Files.readAllLines(startsLog(vmId))) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length == 3) {  // a line half written has fewer
          starts++;
          mostAtOnce = Math.max(mostAtOnce, Integer.parseInt(fields[2]) + 1);
        }
      }
      vms.add(new Vm(vmId, sessions, starts, mostAtOnce));
    }
    return vms;
  }

  private List<Path> sessionFiles(String vmId) throws IOException {
    try (Stream<Path> files = Files.list(sessions(vmId))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
    }
  }
}
