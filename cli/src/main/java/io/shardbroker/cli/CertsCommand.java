package io.shardbroker.cli;

import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.Pem;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    header = "Makes the private CA of a deployment and the certificates of its roles.",
    description = {
        "Every gRPC link (agent-concentrator, broker-concentrator) runs TLS 1.3 with a certificate on both sides, issued by one private CA. A certificate names its holder's role and name: an agent's names its VM, and a concentrator takes that agent's Hello for that VM only.",
        "",
        "  shardbroker certs init --dir certs",
        "  shardbroker certs issue --dir certs --role concentrator --name a1 --host 10.0.0.11",
        "  shardbroker certs issue --dir certs --role broker --name b1",
        "  shardbroker certs issue --dir certs --role agent --vm vm-0042",
        "  shardbroker certs issue --dir certs --enroller --name broker-1   (then agents enroll themselves)",
        "  shardbroker certs show certs/agent-vm-0042.crt",
        "",
        "Keep ca.key off the role hosts: whoever reads it can make any identity."
    },
    subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class, CertsCommand.Show.class})
final class CertsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Makes a new CA: ca.crt (give it to every role, as --tls-ca) and ca.key (owner-only; keep it safe).")
  static final class Init implements Callable<Integer> {

    @Spec CommandSpec spec;

    private PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "certs",
        description = "Where to write ca.crt and ca.key (default: ${DEFAULT-VALUE}); existing files are never overwritten.")
    Path dir;

    @Option(names = "--name", paramLabel = "TEXT", defaultValue = "shardbroker CA",
        description = "The CA's common name (default: ${DEFAULT-VALUE}).")
    String name;

    @Override
    public Integer call() {
      CertificateAuthority ca = CertificateAuthority.create(name, Clock.systemUTC());
      ca.save(dir);
      out().printf("made CA '%s', valid until %s:%n  %s (public: every role's --tls-ca)%n  %s (secret)%n",
          name, ca.certificate().getNotAfter().toInstant(), dir.resolve(CertificateAuthority.CERTIFICATE_FILE),
          dir.resolve(CertificateAuthority.KEY_FILE));
      return 0;
    }
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {
          "Issues a key and certificate for one role, written as DIR/ROLE-NAME.crt and .key (owner-only).",
          "Concentrators need --host for every name or address agents and brokers dial them by.",
          "A fleet certificate (the simulator) may attach any VM whose id starts with one of its --vm-prefix values.",
          "--https issues a certificate for a broker's HTTP API instead (for trials; browsers do not know this CA)."
      })
  static final class Issue implements Callable<Integer> {

    @Spec CommandSpec spec;

    private PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "certs",
        description = "The CA's directory, where the new files go too (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--role", paramLabel = "ROLE", description = "agent, fleet, broker or concentrator.")
    String role;

    @Option(names = "--name", paramLabel = "NAME", description = "The concentrator's id or the broker's name.")
    String name;

    @Option(names = "--vm", paramLabel = "VM_ID", description = "The agent's VM id.")
    String vm;

    @Option(names = "--vm-prefix", paramLabel = "PREFIX", description = "A fleet's VM id prefix; repeat for several.")
    List<String> prefixes = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "A DNS name or IP address of a concentrator or HTTPS server; repeat for several.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--https", description = "Issue a certificate for a broker's HTTP API at --host.")
    boolean https;

    @Option(names = "--enroller", description = "Issue an enroller for the broker --name: a CA that may certify agents only, "
        + "for 'shardbroker agent enroll' (broker options --enroller-cert and --enroller-key).")
    boolean enroller;

    @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      if (days < 1 || days > 3650) {
        throw new IllegalArgumentException("--days must be 1..3650, got " + days);
      }
      CertificateAuthority ca = CertificateAuthority.load(dir, Clock.systemUTC());
      Duration validity = Duration.ofDays(days);
      String base;
      TlsCredentials issued;
      if (https) {
        issued = ca.issueWebServer(hosts, validity);
        base = "https-" + hosts.get(0);
      } else if (enroller) {
        if (name == null) {
          throw new IllegalArgumentException("give --name NAME of the broker that will enroll agents");
        }
        TlsCredentials made = ca.issueEnroller(name, validity);
        // with the root after it: a broker needs both to hand agents their chain and CA
        issued = new TlsCredentials(made.key(), List.of(made.chain().get(0), made.authority()), made.authority());
        base = "enroller-" + name;
      } else {
        Identity identity = identity();
        issued = ca.issue(identity, hosts, validity);
        base = identity.role().label() + "-" + String.join("+", identity.names());
      }
      Path cert = dir.resolve(base + ".crt");
      Path key = dir.resolve(base + ".key");
      issued.save(cert, key);
      out().printf("issued %s, valid until %s:%n  %s%n  %s (secret)%n",
          https ? "an HTTPS certificate for " + hosts : enroller ? "the enroller " + name : issued.identity().toString(),
          issued.chain().get(0).getNotAfter().toInstant(), cert, key);
      if (enroller) {
        out().printf("use: shardbroker broker --enroller-cert %s --enroller-key %s%n", cert, key);
      } else {
        out().printf("use: %s %s %s %s%n", https ? "--https-cert" : "--tls-cert", cert,
            https ? "--https-key" : "--tls-key", key + (https ? "" : " --tls-ca " + dir.resolve(CertificateAuthority.CERTIFICATE_FILE)));
      }
      return 0;
    }

    private Identity identity() {
      if (role == null) {
        throw new IllegalArgumentException("give --role agent|fleet|broker|concentrator (or --https)");
      }
      Role r = Role.fromLabel(role);
      return switch (r) {
        case AGENT -> Identity.of(r, require(vm, "--vm VM_ID for an agent"));
        case FLEET -> {
          if (prefixes.isEmpty()) {
            throw new IllegalArgumentException("give one --vm-prefix or more for a fleet, e.g. --vm-prefix desktop-");
          }
          yield new Identity(r, prefixes);
        }
        case BROKER, CONCENTRATOR -> Identity.of(r, require(name, "--name NAME for a " + r.label()));
      };
    }

    private static String require(String value, String what) {
      if (value == null) {
        throw new IllegalArgumentException("give " + what);
      }
      return value;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Shows who a certificate names, who issued it, and when it expires.")
  static final class Show implements Callable<Integer> {

    @Spec CommandSpec spec;

    private PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Parameters(paramLabel = "FILE", description = "A PEM certificate.")
    Path file;

    @Override
    public Integer call() throws Exception {
      for (X509Certificate c : Pem.readCertificates(file)) {
        out().println("subject:  " + c.getSubjectX500Principal().getName());
        out().println("issuer:   " + c.getIssuerX500Principal().getName());
        out().println("valid:    " + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant());
        try {
          out().println("identity: " + Identity.of(c));
        } catch (IllegalArgumentException e) {
          out().println("identity: none (" + e.getMessage() + ")");
        }
        if (c.getSubjectAlternativeNames() != null) {
          for (List<?> name : c.getSubjectAlternativeNames()) {
            out().println("name:     " + name.get(1));
          }
        }
      }
      return 0;
    }
  }
}
