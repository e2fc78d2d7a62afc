package io.shardbroker.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardbroker.cli.ShardbrokerCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code shardbroker admin} against a fake broker: what each subcommand puts on the wire, what it
 * prints, and how it fails.
 */
class AdminCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = "ops";
  private static final String PASSWORD = "s3cret pass:é";

  private FakeBroker broker;

  private record Run(int exitCode, String out, String err) {}

  @BeforeEach
  void startBroker() throws Exception {
    broker = new FakeBroker();
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  private Map<String, String> env() {
    return Map.of(AdminCommand.URL_ENV, broker.url(), AdminCommand.USER_ENV, USER,
        AdminCommand.PASSWORD_ENV, PASSWORD);
  }

  private static Run run(Map<String, String> env, String stdin, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new AdminCommand(env,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Run run(String... args) {
    return run(env(), "", List.of(args));
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  // ---- what goes on the wire -----------------------------------------------------------------

  /** One subcommand: its arguments, its standard input, the request line and JSON body it must send. */
  private static Arguments call(String args, String stdin, String request, String body) {
    return argumentSet(args.replace('|', ' '), List.of(args.split("\\|")), stdin, request, body);
  }

  private static Arguments call(String args, String request, String body) {
    return call(args, "", request, body);
  }

  static Stream<Arguments> everySubcommand() {
    String a = "/api/v1/admin";
    return Stream.of(
        call("pools|list", "GET " + a + "/pools", null),
        call("pools|show|my pool", "GET " + a + "/pools/my%20pool", null),
        call("pools|create|engineering", "POST " + a + "/pools", "{\"name\": \"engineering\"}"),
        call("pools|create|engineering|--display-name|Engineering workstation|--kind|dedicated"
                + "|--session-mode|multi|--protocol|pcoip|--disabled",
            "POST " + a + "/pools", """
                {"name": "engineering", "displayName": "Engineering workstation", "kind": "dedicated",
                 "sessionMode": "multi", "protocol": "pcoip", "enabled": false}"""),
        call("pools|update|desktop|--disable", "PATCH " + a + "/pools/desktop", "{\"enabled\": false}"),
        call("pools|update|desktop|--enable|--display-name|Office|--session-mode|single|--protocol|rdp",
            "PATCH " + a + "/pools/desktop",
            "{\"enabled\": true, \"displayName\": \"Office\", \"sessionMode\": \"single\", \"protocol\": \"rdp\"}"),
        call("pools|create|linux|--protocol|vnc|--idle-logoff|2h|--disconnected-logoff|PT45S",
            "POST " + a + "/pools", """
                {"name": "linux", "protocol": "vnc", "idleLogoffAfterSeconds": 7200,
                 "disconnectedLogoffAfterSeconds": 45}"""),
        call("pools|update|linux|--idle-logoff|never|--disconnected-logoff|30m", "PATCH " + a + "/pools/linux",
            "{\"idleLogoffAfterSeconds\": null, \"disconnectedLogoffAfterSeconds\": 1800}"),
        call("pools|delete|desktop", "DELETE " + a + "/pools/desktop", null),

        call("users|list", "GET " + a + "/users", null),
        call("users|show|zoë", "GET " + a + "/users/zo%C3%AB", null),
        call("users|create|carol", "new-pass-1\nignored\n", "POST " + a + "/users",
            "{\"name\": \"carol\", \"password\": \"new-pass-1\"}"),
        call("users|create|carol|--display-name|Carol Jones|--group|staff|--group|engineers|--disabled",
            "new-pass-1\r\n", "POST " + a + "/users", """
                {"name": "carol", "password": "new-pass-1", "displayName": "Carol Jones", "enabled": false,
                 "groups": ["staff", "engineers"]}"""),
        call("users|update|carol|--enable|--display-name|Carol J.", "PATCH " + a + "/users/carol",
            "{\"enabled\": true, \"displayName\": \"Carol J.\"}"),
        call("users|update|carol|--new-password-stdin", "changed pass\n", "PATCH " + a + "/users/carol",
            "{\"password\": \"changed pass\"}"),
        call("users|delete|carol", "DELETE " + a + "/users/carol", null),
        call("users|sign-out|carol", "POST " + a + "/users/carol/sign-out", null),

        call("groups|list", "GET " + a + "/groups", null),
        call("groups|show|staff", "GET " + a + "/groups/staff", null),
        call("groups|create|staff", "POST " + a + "/groups", "{\"name\": \"staff\"}"),
        call("groups|create|staff|--description|everyone in the office", "POST " + a + "/groups",
            "{\"name\": \"staff\", \"description\": \"everyone in the office\"}"),
        call("groups|delete|staff", "DELETE " + a + "/groups/staff", null),
        call("groups|add-member|night shift|o'brien", "PUT " + a + "/groups/night%20shift/members/o%27brien", null),
        call("groups|remove-member|staff|bob", "DELETE " + a + "/groups/staff/members/bob", null),

        call("entitlements|list", "GET " + a + "/entitlements", null),
        call("entitlements|list|--pool|desktop|--user|bob|--group|staff",
            "GET " + a + "/entitlements?pool=desktop&user=bob&group=staff", null),
        call("entitlements|grant|--pool|desktop|--user|bob", "POST " + a + "/entitlements",
            "{\"pool\": \"desktop\", \"user\": \"bob\"}"),
        call("entitlements|grant|--group|staff|--pool|desktop", "POST " + a + "/entitlements",
            "{\"pool\": \"desktop\", \"group\": \"staff\"}"),
        call("entitlements|revoke|42", "DELETE " + a + "/entitlements/42", null),

        call("assignments|list", "GET " + a + "/assignments", null),
        call("assignments|list|--pool|engineering|--user|bob smith",
            "GET " + a + "/assignments?pool=engineering&user=bob%20smith", null),
        call("assignments|assign|--pool|engineering|--user|dave|--vm|engineering-0007",
            "POST " + a + "/assignments", "{\"pool\": \"engineering\", \"user\": \"dave\", \"vmId\": \"engineering-0007\"}"),
        call("assignments|unassign|engineering-0007", "DELETE " + a + "/assignments/engineering-0007", null),

        call("drain|vm-1|--reason|disk, ticket #4711", "PUT " + a + "/vms/vm-1/maintenance",
            "{\"reason\": \"disk, ticket #4711\"}"),
        call("drain|vm-1", "PUT " + a + "/vms/vm-1/maintenance", "{}"),
        call("undrain|vm-1", "DELETE " + a + "/vms/vm-1/maintenance", null),
        call("maintenance", "GET " + a + "/maintenance", null),
        call("vms", "GET /api/v1/vms?limit=100", null),
        call("vms|--pool|desktop|--state|in_use|--match|bob smith|--with-sessions|--limit|500|--set|b",
            "GET /api/v1/vms?set=b&pool=desktop&state=in_use&q=bob%20smith&withSessions=true&limit=500", null),
        call("counts", "GET /api/v1/vms/summary", null),
        call("counts|--set|a", "GET /api/v1/vms/summary?set=a", null),

        call("sessions", "GET " + a + "/sessions", null),
        call("sessions|--user|bob|--pool|desktop|--vm|vm-1|--event|refusal|--since|2026-11-25T00:00:00Z"
                + "|--until|2026-11-26T00:00:00.5Z|--limit|50|--before|900",
            "GET " + a + "/sessions?user=bob&pool=desktop&vmId=vm-1&event=refusal"
                + "&since=2026-11-25T00%3A00%3A00Z&until=2026-11-26T00%3A00%3A00.5Z&limit=50&before=900", null),
        call("audit", "GET " + a + "/audit", null),
        call("audit|--actor|alice|--action|pool.|--target|my pool|--limit|1000",
            "GET " + a + "/audit?actor=alice&action=pool.&target=my%20pool&limit=1000", null));
  }

  @ParameterizedTest
  @MethodSource("everySubcommand")
  void eachSubcommandSendsItsRequest(List<String> args, String stdin, String request, String body) throws Exception {
    if (request.contains("/sessions") || request.contains("/audit")) {
      broker.reply(200, "{\"events\": [], \"entries\": [], \"nextBefore\": null}");
    }

    Run run = run(env(), stdin, args);

    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    FakeBroker.Request sent = broker.only();
    assertThat(sent.line()).isEqualTo(request);
    assertThat(sent.header("Authorization")).isEqualTo(basic(USER, PASSWORD));
    assertThat(sent.header("Accept")).isEqualTo("application/json");
    if (body == null) {
      assertThat(sent.body()).isEmpty();
      assertThat(sent.header("Content-Type")).isNull();
    } else {
      assertThat(JSON.readTree(sent.body())).isEqualTo(JSON.readTree(body));
      assertThat(sent.header("Content-Type")).isEqualTo("application/json");
    }
  }

  @Test
  void namesOfAnyKindAreEncodedAsOnePathSegment() {
    run("pools", "show", "a b/\"c\"?é%#+&");
    run("users", "show", "..");
    run("groups", "remove-member", "日本", "x;y=z");

    assertThat(broker.requests()).extracting(FakeBroker.Request::line).containsExactly(
        "GET /api/v1/admin/pools/a%20b%2F%22c%22%3F%C3%A9%25%23%2B%26",
        "GET /api/v1/admin/users/%2E%2E",
        "DELETE /api/v1/admin/groups/%E6%97%A5%E6%9C%AC/members/x%3By%3Dz");
  }

  // ---- what it prints ------------------------------------------------------------------------

  @Test
  void printsTheAnswerAsIndentedAsciiJson() {
    broker.reply(200, "{\"pools\":[{\"name\":\"zoë's\",\"enabled\":true,\"tags\":[]}],\"empty\":{}}");

    Run run = run("pools", "list");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualToNormalizingNewlines("""
        {
          "pools": [
            {
              "name": "zo\\u00EB's",
              "enabled": true,
              "tags": []
            }
          ],
          "empty": {}
        }
        """);
  }

  @Test
  void printsNothingWhenTheBrokerAnswersNoContent() {
    broker.reply(204, "");

    Run run = run("pools", "delete", "desktop");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEmpty();
  }

  @Test
  void allFollowsTheCursorAndPrintsOneObject() throws Exception {
    broker.reply(200, "{\"events\": [{\"id\": 5}, {\"id\": 4}], \"nextBefore\": 4}")
        .reply(200, "{\"events\": [{\"id\": 3}, {\"id\": 2}], \"nextBefore\": 2}")
        .reply(200, "{\"events\": [{\"id\": 1}], \"nextBefore\": null}");

    Run run = run("sessions", "--user", "bob", "--limit", "2", "--all");

    assertThat(run.exitCode()).isZero();
    assertThat(broker.requests()).extracting(FakeBroker.Request::line).containsExactly(
        "GET /api/v1/admin/sessions?user=bob&limit=2",
        "GET /api/v1/admin/sessions?user=bob&limit=2&before=4",
        "GET /api/v1/admin/sessions?user=bob&limit=2&before=2");
    assertThat(JSON.readTree(run.out())).isEqualTo(JSON.readTree("""
        {"events": [{"id": 5}, {"id": 4}, {"id": 3}, {"id": 2}, {"id": 1}], "nextBefore": null}"""));
  }

  @Test
  void allStopsWhenTheBrokerRepeatsACursor() {
    broker.reply(200, "{\"entries\": [{\"id\": 9}], \"nextBefore\": 9}")
        .reply(200, "{\"entries\": [{\"id\": 9}], \"nextBefore\": 9}");

    Run run = run("audit", "--all");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("nextBefore 9 twice");
    assertThat(broker.requests()).hasSize(2);
  }

  // ---- how it fails --------------------------------------------------------------------------

  @Test
  void anApiErrorIsOneLineWithCodeMessageAndRequestId() {
    broker.reply(409, "{\"error\": \"conflict\", \"message\": \"a pool named 'x' already exists\"}",
        "X-Request-Id", "abc");

    Run run = run("pools", "create", "x");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualToNormalizingNewlines(
        "shardbroker admin: conflict: a pool named 'x' already exists (request id abc)\n");
  }

  @Test
  void aValidationErrorNamesTheFieldAndARefusalItsRetryAfter() {
    broker.reply(400, "{\"error\": \"bad_request\", \"message\": \"the kind of a pool cannot change\", "
            + "\"field\": \"kind\"}", "X-Request-Id", "r1")
        .reply(503, "{\"error\": \"store_unavailable\", \"message\": \"try again shortly\"}",
            "X-Request-Id", "r2", "Retry-After", "2");

    Run invalid = run("pools", "update", "desktop", "--disable");
    Run unavailable = run("pools", "list");

    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.err()).isEqualToNormalizingNewlines(
        "shardbroker admin: bad_request: the kind of a pool cannot change (field kind, request id r1)\n");
    assertThat(unavailable.exitCode()).isEqualTo(1);
    assertThat(unavailable.err()).isEqualToNormalizingNewlines(
        "shardbroker admin: store_unavailable: try again shortly (retry after 2s, request id r2)\n");
  }

  @Test
  void forbiddenAndUnauthorizedAreApiErrors() {
    broker.reply(403, "{\"error\": \"forbidden\", \"message\": \"only members of the 'admins' group may use the admin API\"}")
        .reply(401, "{\"error\": \"unauthorized\", \"message\": \"wrong user name or password\"}");

    Run forbidden = run("users", "list");
    Run unauthorized = run("users", "list");

    assertThat(forbidden.exitCode()).isEqualTo(1);
    assertThat(forbidden.err()).startsWith("shardbroker admin: forbidden: only members of the 'admins' group");
    assertThat(unauthorized.exitCode()).isEqualTo(1);
    assertThat(unauthorized.err()).startsWith("shardbroker admin: unauthorized: wrong user name or password");
  }

  @Test
  void anAnswerThatIsNotTheBrokersErrorShapeIsQuoted() {
    broker.reply(502, "<html><body>Bad Gateway</body></html>", "Content-Type", "text/html");

    Run run = run("maintenance");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("GET " + broker.url() + "/api/v1/admin/maintenance answered HTTP 502",
        "<html><body>Bad Gateway");
  }

  @Test
  void anUnreachableBrokerExitsWith3AndNamesTheUrl() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Map<String, String> env = new HashMap<>(env());
    env.put(AdminCommand.URL_ENV, "http://127.0.0.1:" + closedPort + "/");

    Run run = run(env, "", List.of("pools", "list"));

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.err()).startsWith("shardbroker admin: cannot reach the broker at http://127.0.0.1:" + closedPort + ":");
    assertThat(run.err().lines()).hasSize(1);
  }

  @Test
  void withoutAUserOrPasswordNothingIsSent() {
    Run noUser = run(Map.of(AdminCommand.URL_ENV, broker.url(), AdminCommand.PASSWORD_ENV, "x"), "",
        List.of("pools", "list"));
    Run noPassword = run(Map.of(AdminCommand.URL_ENV, broker.url(), AdminCommand.USER_ENV, "ops"), "",
        List.of("pools", "list"));

    assertThat(noUser.exitCode()).isEqualTo(2);
    assertThat(noUser.err()).contains("no user", "--user", "SHARDBROKER_USER");
    assertThat(noPassword.exitCode()).isEqualTo(2);
    assertThat(noPassword.err()).contains("no password", "SHARDBROKER_PASSWORD", "--password-file");
    assertThat(broker.requests()).isEmpty();
  }

  @Test
  void flagsOverrideTheEnvironment(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("pass"), "from the file\nsecond line\n");
    Map<String, String> env = Map.of(AdminCommand.URL_ENV, "http://127.0.0.1:1", AdminCommand.USER_ENV, "nobody",
        AdminCommand.PASSWORD_ENV, "from the environment");

    Run run = run(env, "", List.of("--url", broker.url() + "/", "--user", "alice",
        "--password-file", file.toString(), "pools", "list"));

    assertThat(run.exitCode()).isZero();
    assertThat(broker.only().header("Authorization")).isEqualTo(basic("alice", "from the file"));
  }

  @Test
  void theBaseUrlMayHaveAPathPrefix() {
    Run run = run(env(), "", List.of("--url", broker.url() + "/broker-a", "maintenance"));

    assertThat(run.exitCode()).isZero();
    assertThat(broker.only().line()).isEqualTo("GET /broker-a/api/v1/admin/maintenance");
  }

  @Test
  void aNewPasswordMayComeFromAFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("carol.pass"), "pässwort-123\n");

    Run create = run(env(), "", List.of("users", "create", "carol", "--new-password-file", file.toString()));
    Run update = run(env(), "", List.of("users", "update", "carol", "--new-password-file", file.toString()));

    assertThat(create.exitCode()).isZero();
    assertThat(update.exitCode()).isZero();
    assertThat(broker.requests()).extracting(FakeBroker.Request::body).containsExactly(
        "{\"name\":\"carol\",\"password\":\"pässwort-123\"}", "{\"password\":\"pässwort-123\"}");
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        argumentSet("no subcommand", List.of(), "Missing required subcommand"),
        argumentSet("no pools subcommand", List.of("pools"), "Missing required subcommand"),
        argumentSet("unknown subcommand", List.of("pool", "list"), "Unmatched argument"),
        argumentSet("a password flag", List.of("--password", "x", "pools", "list"), "Unknown option"),
        argumentSet("connection option after the subcommand", List.of("pools", "list", "--url", "http://x"),
            "Unknown option"),
        argumentSet("bad kind", List.of("pools", "create", "p", "--kind", "shared"), "floating, dedicated"),
        argumentSet("bad session mode", List.of("pools", "update", "p", "--session-mode", "many"), "single, multi"),
        argumentSet("nothing to change", List.of("pools", "update", "p"), "Nothing to change"),
        argumentSet("enable and disable", List.of("users", "update", "u", "--enable", "--disable"),
            "mutually exclusive"),
        argumentSet("two password sources", List.of("users", "update", "u", "--new-password-stdin",
            "--new-password-file", "f"), "mutually exclusive"),
        argumentSet("grant to nobody", List.of("entitlements", "grant", "--pool", "p"), "Missing required"),
        argumentSet("grant to both", List.of("entitlements", "grant", "--pool", "p", "--user", "u", "--group", "g"),
            "mutually exclusive"),
        argumentSet("assign without a VM", List.of("assignments", "assign", "--pool", "p", "--user", "u"),
            "--vm"),
        argumentSet("an id that is not a number", List.of("entitlements", "revoke", "seven"), "'seven'"),
        argumentSet("add-member without a user", List.of("groups", "add-member", "staff"), "USER"),
        argumentSet("limit too large", List.of("audit", "--limit", "1001"), "1..1000"),
        argumentSet("bad event", List.of("sessions", "--event", "login"), "start, reconnect, end, refusal"),
        argumentSet("bad instant", List.of("sessions", "--since", "yesterday"), "ISO-8601"),
        argumentSet("no password on stdin", List.of("users", "create", "carol"), "no password on standard input"),
        argumentSet("bad url", List.of("--url", "127.0.0.1:8080", "pools", "list"), "--url is not a broker URL"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void aMistakeExitsWith2BeforeAnythingIsSent(List<String> args, String said) {
    Run run = run(env(), "", args);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains(said);
    assertThat(broker.requests()).isEmpty();
  }

  // ---- help ----------------------------------------------------------------------------------

  @Test
  void adminIsASubcommandOfShardbroker() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new ShardbrokerCommand());
    cli.setOut(new PrintWriter(out));

    assertThat(cli.execute("admin", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: shardbroker admin", "Examples:", "SHARDBROKER_PASSWORD",
        "pools", "users", "groups", "entitlements", "assignments", "drain", "undrain", "maintenance", "vms", "counts",
        "sessions", "audit");
  }

  static Stream<List<String>> everyCommand() {
    List<List<String>> all = new ArrayList<>();
    collect(new CommandLine(new AdminCommand(Map.of(), new ByteArrayInputStream(new byte[0]))), List.of(), all);
    return all.stream();
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> all) {
    all.add(path);
    command.getSubcommands().forEach((name, sub) -> {
      List<String> longer = new ArrayList<>(path);
      longer.add(name);
      collect(sub, longer, all);
    });
  }

  @ParameterizedTest
  @MethodSource("everyCommand")
  void everyCommandExplainsItself(List<String> path) {
    List<String> args = new ArrayList<>(path);
    args.add("--help");

    Run run = run(Map.of(), "", args);

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines().findFirst().orElse("")).as("the header: what it does").isNotBlank()
        .doesNotStartWith("Usage:");
    assertThat(run.out()).contains("Usage: " + ("admin " + String.join(" ", path)).strip() + " [-hV]");
  }
}
