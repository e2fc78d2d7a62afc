package io.shardbroker.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.BrokerServer;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import io.shardbroker.testing.FakeClock;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code shardbroker admin} against a real broker and store (no concentrators are needed for
 * administration): what a script would do on a fresh install, and the errors it would see.
 */
@Timeout(60)
class AdminCommandAgainstBrokerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_PASSWORD = "admin-password";

  private final FakeClock clock = new FakeClock();
  private Store store;
  private BrokerServer broker;
  private String url;

  private record Run(int exitCode, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  @BeforeEach
  void start() {
    store = Store.open(StoreSettings.of("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, null)
        .withPasswordHashing(PasswordHashing.FAST), clock);
    store.apply(new Seed(List.of(), List.of(new Group(Group.ADMINS, "", List.of())),
        List.of(new User.New("root", "Root", ADMIN_PASSWORD, true, List.of(Group.ADMINS))), List.of()),
        new Actor("seed", "test"));
    Topology topology = Topology.newBuilder().setVersion(1).addSets(ConcentratorSet.newBuilder().setId("a")
        .addConcentrators(ConcentratorEndpoint.newBuilder().setId("a1").setAddress("nowhere-" + UUID.randomUUID())))
        .build();
    broker = new BrokerServer(BrokerSettings.of("admin-test", "127.0.0.1", 0, topology), store,
        name -> InProcessChannelBuilder.forName(name).build(), clock, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
    url = "http://127.0.0.1:" + broker.port();
  }

  @AfterEach
  void stop() {
    broker.close();
    store.close();
    clock.shutdownNow();
  }

  private Run as(String user, String password, String stdin, String... args) {
    Map<String, String> env = Map.of(AdminCommand.URL_ENV, url, AdminCommand.USER_ENV, user,
        AdminCommand.PASSWORD_ENV, password);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new AdminCommand(env,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Run admin(String... args) {
    return as("root", ADMIN_PASSWORD, "", args);
  }

  @Test
  void aScriptSetsUpAPoolForAGroupAndDrainsAVm() throws Exception {
    assertThat(admin("pools", "create", "lab", "--kind", "dedicated", "--display-name", "Lab Zoë").exitCode()).isZero();
    assertThat(admin("groups", "create", "lab-users", "--description", "O'Brien's team").exitCode()).isZero();
    assertThat(as("root", ADMIN_PASSWORD, "dana-password\n", "users", "create", "dana",
        "--display-name", "Dana 日本", "--group", "lab-users").exitCode()).isZero();
    Run granted = admin("entitlements", "grant", "--pool", "lab", "--group", "lab-users");
    assertThat(granted.exitCode()).isZero();

    // The new user signs in and sees her pool.
    assertThat(store.entitlements().poolsOf("dana")).extracting(p -> p.name()).containsExactly("lab");
    assertThat(store.accounts().verify("dana", "dana-password")).isPresent();

    Run pool = admin("pools", "show", "lab");
    assertThat(pool.json().get("displayName").asText()).isEqualTo("Lab Zoë");
    assertThat(pool.json().get("kind").asText()).isEqualTo("dedicated");

    assertThat(admin("drain", "lab-00001", "--reason", "disk swap").exitCode()).isZero();
    assertThat(admin("maintenance").json().get("vms").get(0).get("reason").asText()).isEqualTo("disk swap");
    assertThat(admin("undrain", "lab-00001").exitCode()).isZero();
    assertThat(admin("maintenance").json().get("vms")).isEmpty();

    JsonNode audit = admin("audit", "--all").json().get("entries");
    assertThat(audit).extracting(e -> e.get("action").asText())
        .contains("pool.create", "group.create", "user.create", "entitlement.create", "vm.drain", "vm.undrain");
    assertThat(audit).allSatisfy(e -> assertThat(e.toString()).doesNotContain("dana-password"));
  }

  @Test
  void errorsAreOneLineWithTheRightExitCode() {
    assertThat(admin("pools", "create", "lab").exitCode()).isZero();

    Run duplicate = admin("pools", "create", "lab");
    assertThat(duplicate.exitCode()).isEqualTo(1);
    assertThat(duplicate.err()).contains("conflict").doesNotContain("Exception");

    Run badName = admin("pools", "create", "no spaces please");
    assertThat(badName.exitCode()).isEqualTo(1);
    assertThat(badName.err()).contains("bad_request", "name");

    Run wrongPassword = as("root", "not-the-password", "", "pools", "list");
    assertThat(wrongPassword.exitCode()).isEqualTo(1);
    assertThat(wrongPassword.err()).contains("unauthorized");

    assertThat(as("root", ADMIN_PASSWORD, "user-password\n", "users", "create", "eve").exitCode()).isZero();
    Run notAdmin = as("eve", "user-password", "", "pools", "list");
    assertThat(notAdmin.exitCode()).isEqualTo(1);
    assertThat(notAdmin.err()).contains("forbidden");
  }

  @Test
  void anUnreachableBrokerIsNamed() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    url = "http://127.0.0.1:" + closedPort;
    Run run = admin("pools", "list");
    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err()).contains(url);
  }
}
