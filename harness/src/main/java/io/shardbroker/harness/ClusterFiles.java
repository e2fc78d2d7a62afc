package io.shardbroker.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The config files a {@link ProcessCluster} writes for its role processes, in the shape the
 * roles' {@code --config} and {@code --topology} read (see {@code config/} in the repository).
 */
final class ClusterFiles {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  /** Marks a directory as a cluster's, so that the next cluster may empty it. */
  private static final String MARKER = ".shardbroker-cluster";

  private ClusterFiles() {}

  /**
   * Makes {@code dir} an empty cluster directory: one an earlier cluster left (its marker says so)
   * is emptied, so its logs cannot mislead; one with other files is refused, never emptied.
   */
  static void prepare(Path dir) throws IOException {
    if (Files.isDirectory(dir) && !Files.exists(dir.resolve(MARKER))) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException(dir + " is not empty and not an earlier cluster's; give an empty "
              + "or new directory");
        }
      }
    }
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(MARKER), "made by a shardbroker cluster; emptied by the next one here\n");
  }

  /**
   * Writes the topology file, through a file beside it that is then moved over it, so that a role
   * watching the file never reads half of it.
   */
  static void writeTopology(Path file, Topology topology) throws IOException {
    List<Map<String, Object>> sets = new ArrayList<>();
    for (ConcentratorSet set : topology.getSetsList()) {
      List<Map<String, Object>> members = new ArrayList<>();
      for (ConcentratorEndpoint c : set.getConcentratorsList()) {
        members.add(map("id", c.getId(), "address", c.getAddress()));
      }
      sets.add(map("id", set.getId(), "concentrators", members));
    }
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, "# written by the shardbroker cluster harness\n"
        + yaml(map("version", topology.getVersion(), "sets", sets)));
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The brokers' config: the store, the seed, timeouts, candidate search and sign-in notice. */
  static void writeBroker(Path file, ClusterSpec.BrokerSpec broker) throws IOException {
    Map<String, Object> store = map("passwordHashing", map(
        "memoryKiB", broker.passwordHashing().memoryKiB(),
        "iterations", broker.passwordHashing().iterations(),
        "parallelism", broker.passwordHashing().parallelism()));
    if (broker.storeUrl() != null) {
      store.put("url", broker.storeUrl());
      if (broker.storeUser() != null) {
        store.put("user", broker.storeUser());
      }
    }
    BrokerSettings.Timeouts t = broker.timeouts();
    Map<String, Object> config = map(
        "http", map("host", "127.0.0.1"),
        "store", store,
        "timeouts", map("find", ms(t.find()), "start", ms(t.start()), "end", ms(t.end()), "list", ms(t.list()),
            "request", ms(t.request()), "healthInterval", ms(t.healthInterval()),
            "retryAfter", ms(t.retryAfter()), "rehome", ms(t.rehome())),
        "candidateSearch", map("mode", broker.candidateSearch().mode().toString(),
            "asked", broker.candidateSearch().asked()),
        "seed", seed(broker.seed()));
    if (!broker.signInNotice().isEmpty()) {
      config.put("signIn", map("notice", broker.signInNotice()));
    }
    Files.writeString(file, "# written by the shardbroker cluster harness\n" + yaml(config));
  }

  /**
   * A real agent's config: its VM, pool and capacity, and the commands of its exec host (with its
   * list script, when it has one), or a vnc host keeping its state in {@code dataDir} with its
   * display relay on a free loopback port.
   */
  static void writeAgent(Path file, ClusterSpec.RealAgent agent, Path dataDir) throws IOException {
    Map<String, Object> config;
    if (agent.vnc()) {
      config = map("vmId", agent.vmId(), "pool", agent.pool(), "capacity", agent.capacity(),
          "dataDir", dataDir.toString(), "host", map("type", "vnc"), "relay", map("listen", "127.0.0.1:0"));
    } else {
      Map<String, Object> host = map("type", "exec", "start", agent.startCommand(), "end", agent.endCommand());
      if (!agent.listCommand().isEmpty()) {
        host.put("list", agent.listCommand());
      }
      config = map("vmId", agent.vmId(), "pool", agent.pool(), "capacity", agent.capacity(), "host", host);
    }
    Files.writeString(file, "# written by the shardbroker cluster harness\n" + yaml(config));
  }

  private static Map<String, Object> seed(Seed seed) {
    List<Map<String, Object>> pools = new ArrayList<>();
    for (Pool p : seed.pools()) {
      pools.add(map("name", p.name(), "displayName", p.displayName(), "kind", lower(p.kind()),
          "sessionMode", lower(p.sessionMode()), "protocol", p.protocol(), "enabled", p.enabled()));
    }
    List<Map<String, Object>> groups = new ArrayList<>();
    for (Group g : seed.groups()) {
      groups.add(map("name", g.name(), "description", g.description()));
    }
    List<Map<String, Object>> users = new ArrayList<>();
    for (User.New u : seed.users()) {
      users.add(map("name", u.name(), "displayName", u.displayName(), "password", u.password(),
          "groups", u.groups()));
    }
    List<Map<String, Object>> entitlements = new ArrayList<>();
    for (Seed.SeedEntitlement e : seed.entitlements()) {
      entitlements.add(e.user() != null ? map("pool", e.pool(), "user", e.user()) : map("pool", e.pool(), "group", e.group()));
    }
    return map("pools", pools, "groups", groups, "users", users, "entitlements", entitlements);
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static String ms(Duration d) {
    return d.toMillis() + "ms";
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private static String yaml(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML", e);
    }
  }
}
