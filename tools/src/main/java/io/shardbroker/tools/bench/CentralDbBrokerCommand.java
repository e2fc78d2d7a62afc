package io.shardbroker.tools.bench;

import io.shardbroker.cli.Lifecycle;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import io.shardbroker.tools.centraldb.CentralDbBroker;
import io.shardbroker.tools.centraldb.CentralDbSchema;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "central-db-broker",
    hidden = true,
    mixinStandardHelpOptions = true,
    header = "Runs the central-db baseline's broker (for 'bench storm').",
    description = {
        "One broker that keeps every VM in PostgreSQL and claims one with SELECT ... FOR UPDATE SKIP "
            + "LOCKED (io.shardbroker.tools.centraldb). Its store (users s000001.. --users, pool 'desktop', their "
            + "entitlement) lives in the same database. Prints a ready line once it serves."
    })
public final class CentralDbBrokerCommand implements Callable<Integer> {

  /** Argon2id's lowest cost, as the sharded system's users get in the storm. */
  static final PasswordHashing CHEAPEST = new PasswordHashing(8, 1, 1);

  @Spec CommandSpec spec;

  @Option(names = "--jdbc", required = true, paramLabel = "URL", description = "PostgreSQL JDBC URL.")
  String jdbc;

  @Option(names = "--users", required = true, paramLabel = "N", description = "Users to create.")
  int users;

  @Option(names = "--http-port", defaultValue = "0", paramLabel = "PORT", description = "HTTP port (default: any).")
  int port;

  @Option(names = "--silence-limit", defaultValue = "15s", paramLabel = "DURATION",
      description = "A VM whose last heartbeat is older is not claimed (default: ${DEFAULT-VALUE}).")
  String silenceLimit;

  @Option(names = "--pool-size", defaultValue = "" + CentralDbSchema.POOL_SIZE_DEFAULT, paramLabel = "N",
      description = "Database connections for brokering (default: ${DEFAULT-VALUE}).")
  int poolSize;

  @Override
  public Integer call() {
    Clock clock = Clock.systemUTC();
    Store store = Store.open(StoreSettings.of(jdbc, null, null).withPasswordHashing(CHEAPEST), clock);
    store.apply(seed(users), new Actor("seed", "central-db"));
    DataSource vms = CentralDbSchema.openPool(jdbc, null, null, poolSize);
    CentralDbSchema.create(vms);
    CentralDbBroker broker = new CentralDbBroker(store, vms, "127.0.0.1", port,
        Durations.parse(silenceLimit), clock).start();
    spec.commandLine().getOut().printf("shardbroker central-db broker ready: http://127.0.0.1:%d, %d users%n",
        broker.port(), users);
    spec.commandLine().getOut().flush();
    return Lifecycle.runUntilStopped("central-db broker", List.of(broker, (AutoCloseable) vms, store));
  }

  /** Pool {@code desktop} (one user per VM), group {@code storm} entitled to it, and its users. */
  static Seed seed(int users) {
    List<User.New> all = new ArrayList<>(users);
    for (int i = 1; i <= users; i++) {
      String name = StormLoad.user(i);
      all.add(new User.New(name, name, StormLoad.password(name), true, List.of("storm")));
    }
    return new Seed(
        List.of(new Pool("desktop", "desktop", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true)),
        List.of(new Group("storm", "", List.of())),
        all,
        List.of(new Seed.SeedEntitlement("desktop", null, "storm")));
  }
}
