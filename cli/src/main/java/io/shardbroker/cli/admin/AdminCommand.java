package io.shardbroker.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code shardbroker admin}: the broker's admin API for scripts. It holds the connection settings;
 * each subcommand makes one HTTP call (the history ones with {@code --all} one per page) and
 * prints the answer's JSON.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    header = "Manages a broker's pools, users, groups, entitlements and maintenance; shows its VMs.",
    description = {
        "Talks to a broker's admin API (/api/v1/admin/) as a member of the 'admins' group ('vms' and 'counts' read /api/v1/vms and /api/v1/vms/summary, which are for admins too). Each subcommand makes one HTTP call and prints the answer's JSON, pretty-printed, on standard output (nothing when the broker answers 204), for people and for jq. Non-ASCII characters are written as \\u escapes, which jq decodes.",
        "",
        "The connection options come right after 'admin', before the subcommand (which may have a --user of its own). The password is read from $SHARDBROKER_PASSWORD or from --password-file, never from the command line, where every local user could see it.",
        "",
        "A failure is one line on standard error, with the broker's error code and request id. Exit codes: 0 done; 1 the broker refused (e.g. not_found, conflict, forbidden); 2 a usage or configuration error, nothing was sent; 3 the broker could not be reached.",
        ""
    },
    subcommands = {
        PoolsCommand.class,
        UsersCommand.class,
        GroupsCommand.class,
        EntitlementsCommand.class,
        AssignmentsCommand.class,
        MaintenanceCommands.Drain.class,
        MaintenanceCommands.Undrain.class,
        MaintenanceCommands.Maintenance.class,
        FleetCommands.Vms.class,
        FleetCommands.Counts.class,
        EnrollCommand.class,
        HistoryCommands.Sessions.class,
        HistoryCommands.Audit.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  export SHARDBROKER_URL=http://127.0.0.1:8080 SHARDBROKER_USER=alice",
        "  read -rs SHARDBROKER_PASSWORD && export SHARDBROKER_PASSWORD",
        "  shardbroker admin pools create engineering --kind dedicated",
        "  shardbroker admin groups create engineers --description 'R&D staff'",
        "  shardbroker admin entitlements grant --pool engineering --group engineers",
        "  pwgen -s 24 1 | shardbroker admin users create dave --group engineers",
        "  shardbroker admin assignments assign --pool engineering --user dave \\",
        "      --vm engineering-0007",
        "  shardbroker admin drain desktop-00146 --reason 'disk replacement'",
        "  shardbroker admin counts | jq '.pools[] | {pool, freeSessions}'",
        "  shardbroker admin vms --match dave --with-sessions",
        "  shardbroker admin sessions --user dave --all | jq -r '.events[].event'",
        "  shardbroker admin --url https://broker.example.org pools list"
    })
public final class AdminCommand implements Runnable {

  static final String URL_ENV = "SHARDBROKER_URL";
  static final String URL_DEFAULT = "http://127.0.0.1:8080";
  static final String USER_ENV = "SHARDBROKER_USER";
  static final String PASSWORD_ENV = "SHARDBROKER_PASSWORD";

  /** Like jq's output: two-space indent, "key": value, [] for an empty list; ASCII only. */
  private static final ObjectWriter PRETTY = JsonMapper.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build()
      .writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator(""))
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  @Spec CommandSpec spec;

  @Option(names = "--url", paramLabel = "URL",
      description = "The broker's base URL (default: $" + URL_ENV + ", else " + URL_DEFAULT + ").")
  String url;

  @Option(names = "--user", paramLabel = "NAME",
      description = "Sign in as this user, a member of 'admins' (default: $" + USER_ENV + ").")
  String user;

  @Option(names = "--password-file", paramLabel = "FILE",
      description = "Read the password from the first line of FILE (default: $" + PASSWORD_ENV + ").")
  Path passwordFile;

  private final Map<String, String> env;
  private final InputStream stdin;

  public AdminCommand() {
    this(System.getenv(), System.in);
  }

  /** With the environment and standard input given, as a test or an embedding program sees fit. */
  AdminCommand(Map<String, String> env, InputStream stdin) {
    this.env = Map.copyOf(env);
    this.stdin = stdin;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** The {@code admin} command above a subcommand. */
  static AdminCommand of(CommandSpec subcommand) {
    for (CommandSpec s = subcommand; s != null; s = s.parent()) {
      if (s.userObject() instanceof AdminCommand admin) {
        return admin;
      }
    }
    throw new IllegalStateException(subcommand.qualifiedName() + " is not under 'admin'");
  }

  InputStream stdin() {
    return stdin;
  }

  /**
   * Runs one subcommand's call: prints the JSON it returns on the subcommand's standard output, or
   * a failure as one line on its standard error.
   *
   * @return the exit code
   */
  int execute(CommandSpec subcommand, AdminCall call) {
    PrintWriter out = subcommand.commandLine().getOut();
    PrintWriter err = subcommand.commandLine().getErr();
    try (AdminClient api = connect()) {
      JsonNode body = call.send(api);
      if (body != null) {
        out.println(PRETTY.writeValueAsString(body));
      }
      return 0;
    } catch (AdminFailure failure) {
      err.println("shardbroker admin: " + failure.getMessage());
      return failure.kind().exitCode;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print a JSON tree", e);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private AdminClient connect() {
    String base = baseUrl();
    String name = user != null ? user : env.get(USER_ENV);
    if (name == null || name.isEmpty()) {
      throw AdminFailure.usage("no user to sign in as: give --user NAME right after 'admin', or set $"
          + USER_ENV);
    }
    if (name.indexOf(':') >= 0) {
      throw AdminFailure.usage("the user name '" + name + "' holds a ':', which HTTP Basic cannot carry");
    }
    String password;
    if (passwordFile != null) {
      password = Secrets.firstLine(passwordFile, "--password-file");
    } else {
      password = env.get(PASSWORD_ENV);
      if (password == null || password.isEmpty()) {
        throw AdminFailure.usage("no password: set $" + PASSWORD_ENV + ", or give --password-file FILE "
            + "right after 'admin'");
      }
    }
    return new AdminClient(base, name, password);
  }

  /** The base URL, checked, without a trailing slash; it may have a path (behind a proxy). */
  private String baseUrl() {
    String given = url;
    String from = "--url";
    if (given == null) {
      given = env.get(URL_ENV);
      from = "$" + URL_ENV;
    }
    if (given == null || given.isEmpty()) {
      return URL_DEFAULT;
    }
    String problem = null;
    try {
      URI uri = new URI(given);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        problem = "it must be an http:// or https:// URL with a host";
      } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        problem = "it must not have a query or a fragment";
      }
    } catch (URISyntaxException e) {
      problem = e.getReason();
    }
    if (problem != null) {
      throw AdminFailure.usage(from + " is not a broker URL such as " + URL_DEFAULT + ": '" + given
          + "': " + problem);
    }
    return given.endsWith("/") ? given.substring(0, given.length() - 1) : given;
  }
}
