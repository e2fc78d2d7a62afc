package io.shardbroker.agent.host.vnc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.agent.host.vnc.VncSessionRecord.ProcessId;
import io.shardbroker.protocol.v1.SessionPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The vnc host's sessions on disk ({@code sessions.json} in its directory), rewritten whole after
 * every start and end. A crash between writing and renaming leaves the previous version intact.
 */
final class VncStateFile {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  /** @throws IllegalStateException when {@code directory} cannot be made */
  VncStateFile(Path directory) {
    this.file = directory.resolve("sessions.json");
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new IllegalStateException("vnc host: cannot make " + directory + " for its state: " + e.getMessage(), e);
    }
  }

  /** The sessions last saved; none when there is no file yet. */
  List<VncSessionRecord> load() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      List<VncSessionRecord> sessions = new ArrayList<>();
      for (JsonNode s : JSON.readTree(file.toFile())) {
        sessions.add(new VncSessionRecord(s.get("sessionId").asText(), s.get("user").asText(),
            s.get("pool").asText(), Instant.parse(s.get("startedAt").asText()),
            Path.of(s.get("directory").asText()), s.get("display").asInt(),
            process(s.get("xvnc")), process(s.get("command")), s.get("account").asText(),
            SessionPolicy.newBuilder()
                .setIdleLogoffAfterS(s.path("idleLogoffAfterS").asInt(0))
                .setDisconnectedLogoffAfterS(s.path("disconnectedLogoffAfterS").asInt(0))
                .build()));
      }
      return sessions;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the vnc host's state file " + file + " cannot be read: " + e.getMessage()
          + " (remove it to start afresh; the sessions it named keep running untracked)", e);
    }
  }

  void save(Collection<VncSessionRecord> sessions) {
    ArrayNode all = JSON.createArrayNode();
    for (VncSessionRecord s : sessions) {
      ObjectNode o = all.addObject();
      o.put("sessionId", s.sessionId()).put("user", s.user()).put("pool", s.pool())
          .put("startedAt", s.startedAt().toString()).put("directory", s.directory().toString())
          .put("display", s.display()).put("account", s.account())
          .put("idleLogoffAfterS", s.policy().getIdleLogoffAfterS())
          .put("disconnectedLogoffAfterS", s.policy().getDisconnectedLogoffAfterS());
      o.set("xvnc", process(s.xvnc()));
      o.set("command", process(s.command()));
    }
    Path next = file.resolveSibling(file.getFileName() + ".next");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(next.toFile(), all);
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the vnc host's state to " + file + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode process(ProcessId id) {
    ObjectNode o = JSON.createObjectNode().put("pid", id.pid());
    return id.startedAt() == null ? o : o.put("startedAt", id.startedAt().toString());
  }

  private static ProcessId process(JsonNode o) {
    return new ProcessId(o.get("pid").asLong(),
        o.hasNonNull("startedAt") ? Instant.parse(o.get("startedAt").asText()) : null);
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
