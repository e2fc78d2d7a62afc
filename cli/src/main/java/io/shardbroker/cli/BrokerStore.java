package io.shardbroker.cli;

import io.shardbroker.cli.config.RoleConfigs.EntitlementSeed;
import io.shardbroker.cli.config.RoleConfigs.GroupSeed;
import io.shardbroker.cli.config.RoleConfigs.PasswordHashingConfig;
import io.shardbroker.cli.config.RoleConfigs.PoolSeed;
import io.shardbroker.cli.config.RoleConfigs.SeedConfig;
import io.shardbroker.cli.config.RoleConfigs.StoreConfig;
import io.shardbroker.cli.config.RoleConfigs.UserSeed;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens a broker's store from its config and applies the config's seed. */
final class BrokerStore {

  private static final Logger log = LoggerFactory.getLogger(BrokerStore.class);
  /** Overrides the config file's store password, so it need not sit in a file. */
  static final String PASSWORD_ENV = "SHARDBROKER_STORE_PASSWORD";
  static final String DATA_DEFAULT = "./data";

  private BrokerStore() {}

  /** The store settings: {@code url} (flag or config) wins; otherwise the embedded file under {@code data}. */
  static StoreSettings settings(StoreConfig config, String urlFlag, Path data) {
    StoreConfig c = config != null ? config : new StoreConfig(null, null, null, null, null, null);
    String url = urlFlag != null ? urlFlag : c.url();
    String password = System.getenv(PASSWORD_ENV) != null ? System.getenv(PASSWORD_ENV) : c.password();
    StoreSettings base = url != null
        ? StoreSettings.of(url, c.user(), password)
        : StoreSettings.embedded(createDirectory(data));
    PasswordHashingConfig h = c.passwordHashing();
    PasswordHashing d = PasswordHashing.DEFAULT;
    PasswordHashing hashing = h == null ? d : new PasswordHashing(
        CommonOptions.orDefault(h.memoryKiB(), d.memoryKiB()),
        CommonOptions.orDefault(h.iterations(), d.iterations()),
        CommonOptions.orDefault(h.parallelism(), d.parallelism()));
    return new StoreSettings(base.jdbcUrl(), base.user(), base.password(),
        CommonOptions.orDefault(c.maxConnections(), base.maxConnections()),
        CommonOptions.orDefault(c.historyFlushInterval(), base.historyFlushInterval()),
        hashing, base.migrationLocations());
  }

  /** Opens (and migrates) the store, then adds what the seed names for the first time and the store lacks. */
  static Store open(StoreSettings settings, Seed seed, String brokerId, Clock clock) {
    Store store = Store.open(settings, clock);
    try {
      int created = store.apply(seed, new Actor("seed", brokerId));
      log.info("store: {}{}", store.describe(), created == 0 ? "" : "; seeded " + created + " item(s)");
      if (store.accounts().group(Group.ADMINS).map(g -> g.members().isEmpty()).orElse(true)) {
        log.warn("store: nobody is in the '{}' group, so nobody can use the admin API; "
            + "add an admin under seed.users in the broker's config", Group.ADMINS);
      }
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The config file's seed section as the store's seed. */
  static Seed seed(SeedConfig config) {
    if (config == null) {
      return Seed.EMPTY;
    }
    List<Pool> pools = list(config.pools()).stream().map(BrokerStore::pool).toList();
    List<Group> groups = list(config.groups()).stream()
        .map(g -> new Group(required(g.name(), "seed.groups[].name"),
            g.description() == null ? "" : g.description(), List.of()))
        .toList();
    List<User.New> users = list(config.users()).stream().map(BrokerStore::user).toList();
    List<Seed.SeedEntitlement> entitlements = list(config.entitlements()).stream()
        .map(BrokerStore::entitlement)
        .toList();
    return new Seed(pools, groups, users, entitlements);
  }

  private static Pool pool(PoolSeed p) {
    String name = required(p.name(), "seed.pools[].name");
    return new Pool(name, p.displayName() == null ? name : p.displayName(),
        p.kind() == null ? Pool.Kind.FLOATING : choice(Pool.Kind.class, p.kind(), "seed.pools[].kind"),
        p.sessionMode() == null ? Pool.SessionMode.SINGLE
            : choice(Pool.SessionMode.class, p.sessionMode(), "seed.pools[].sessionMode"),
        p.protocol() == null ? "rdp" : p.protocol(), p.enabled() == null || p.enabled(),
        new Pool.LogoffPolicy(p.idleLogoffAfter(), p.disconnectedLogoffAfter()));
  }

  private static User.New user(UserSeed u) {
    String name = required(u.name(), "seed.users[].name");
    return new User.New(name, u.displayName() == null ? name : u.displayName(),
        required(u.password(), "seed.users[].password of " + name), true, list(u.groups()));
  }

  private static Seed.SeedEntitlement entitlement(EntitlementSeed e) {
    required(e.pool(), "seed.entitlements[].pool");
    if ((e.user() == null) == (e.group() == null)) {
      throw new IllegalArgumentException("seed entitlement for pool " + e.pool()
          + " needs either a user or a group");
    }
    return new Seed.SeedEntitlement(e.pool(), e.user(), e.group());
  }

  private static <E extends Enum<E>> E choice(Class<E> type, String text, String where) {
    try {
      return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " must be one of "
          + java.util.Arrays.stream(type.getEnumConstants()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList()
          + ", got '" + text + "'");
    }
  }

  private static String required(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is missing");
    }
    return value;
  }

  private static <T> List<T> list(List<T> maybe) {
    return maybe == null ? List.of() : maybe;
  }

  private static Path createDirectory(Path data) {
    try {
      return Files.createDirectories(data);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot create the data directory " + data + ": " + e.getMessage());
    }
  }
}
