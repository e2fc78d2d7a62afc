package io.shardbroker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.CertificateRequests;
import io.shardbroker.security.Identity;
import io.shardbroker.security.Pem;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.security.TrustOnly;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "enroll",
    mixinStandardHelpOptions = true,
    header = "Gets this VM's agent certificate from a broker with a one-time token.",
    description = {
        "Makes the agent's key pair here (DIR/agent-VM.key, readable by its owner only), sends a certificate request and the token an admin made ('shardbroker admin enroll VM') to the broker, and writes the certificate (DIR/agent-VM.crt) and the CA certificate (DIR/ca.crt). The private key never leaves this machine. Then run: shardbroker agent --vm-id VM --certs DIR ...",
        "",
        "The token comes from --token-file or $" + AgentEnrollCommand.TOKEN_ENV + ", never from the command line, which every user of the machine can read (ps, /proc, shell history).",
    })
final class AgentEnrollCommand implements Callable<Integer> {

  static final String TOKEN_ENV = "SHARDBROKER_ENROLL_TOKEN";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> env;

  AgentEnrollCommand() {
    this(System.getenv());
  }

  /** With the environment given, as a test sees fit. */
  AgentEnrollCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Spec CommandSpec spec;

  @Option(names = "--broker", paramLabel = "URL", required = true, description = "The broker, e.g. https://broker.example:8443.")
  URI broker;

  @Option(names = "--vm-id", paramLabel = "ID", required = true, description = "This VM's id: the one the token was made for.")
  String vmId;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Read the one-time enrollment token from the first line of FILE (default: $" + TOKEN_ENV + ").")
  Path tokenFile;

  /** Refused, not taken: kept only to say why and what to use instead. */
  @Option(names = "--token", paramLabel = "TOKEN", hidden = true)
  String tokenOnCommandLine;

  @Option(names = "--certs", paramLabel = "DIR", defaultValue = "certs",
      description = "Where to write the key and certificates (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--broker-ca", paramLabel = "FILE",
      description = "PEM certificate of the CA that issued the broker's HTTPS certificate, when it is not a public one.")
  Path brokerCa;

  @Option(names = "--insecure", description = "Allow plain HTTP to a broker that is not on this machine (the token could be stolen on the way).")
  boolean insecure;

  @Override
  public Integer call() throws Exception {
    String token = token();
    Identity.of(Role.AGENT, vmId);  // a malformed VM id fails here, with the rule
    refusePlainHttpOnTheNetwork();
    Path keyFile = dir.resolve("agent-" + vmId + ".key");
    Path certFile = dir.resolve("agent-" + vmId + ".crt");
    Path caFile = dir.resolve(CertificateAuthority.CERTIFICATE_FILE);
    if (Files.exists(keyFile) || Files.exists(certFile)) {
      throw new IllegalArgumentException(keyFile + " or " + certFile + " exists already: this VM is enrolled; "
          + "remove both to enroll again");
    }
    KeyPair keys = CertificateRequests.newKeyPair();
    ObjectNode body = JSON.createObjectNode()
        .put("vmId", vmId).put("token", token).put("certificateRequest", CertificateRequests.create(keys, vmId));
    JsonNode answer = post(broker.resolve("/api/v1/enroll"), body);

    List<X509Certificate> chain = Pem.parseCertificates(answer.path("certificate").asText());
    X509Certificate authority = Pem.parseCertificates(answer.path("authority").asText()).get(0);
    if (Files.exists(caFile) && !Pem.readCertificates(caFile).get(0).equals(authority)) {
      throw new IllegalArgumentException(caFile + " holds another CA than the broker's; enroll into another --certs directory");
    }
    TlsCredentials credentials = new TlsCredentials(keys.getPrivate(), chain, authority);
    if (!credentials.identity().equals(Identity.of(Role.AGENT, vmId))) {
      throw new IllegalStateException("the broker answered a certificate for " + credentials.identity());
    }
    credentials.save(certFile, keyFile);
    if (!Files.exists(caFile)) {
      Pem.writePublic(caFile, Pem.certificates(List.of(authority)));
    }
    TlsCredentials.load(certFile, keyFile, caFile);  // what the agent will read: check it now
    spec.commandLine().getOut().printf("enrolled %s: certificate valid until %s%n  %s%n  %s (secret, made here)%n  %s%n"
        + "run: shardbroker agent --vm-id %s --certs %s --topology ...%n", vmId, answer.path("expiresAt").asText(),
        certFile, keyFile, caFile, vmId, dir);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private JsonNode post(URI uri, JsonNode body) throws IOException, InterruptedException {
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (brokerCa != null) {
      client.sslContext(TrustOnly.sslContext(Pem.readCertificates(brokerCa).get(0)));
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    HttpResponse<String> response;
    try {
      response = client.build().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot reach the broker at " + uri + ": " + e.getMessage());
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalArgumentException("the broker at " + uri + " answered " + response.statusCode() + " without JSON");
    }
    if (response.statusCode() != 200) {
      throw new IllegalArgumentException("the broker refused: " + answer.path("error").asText("http_" + response.statusCode())
          + ": " + answer.path("message").asText());
    }
    return answer;
  }

  /** The token from --token-file, else from the environment; --token is refused. */
  private String token() throws IOException {
    if (tokenOnCommandLine != null) {
      throw new IllegalArgumentException("--token is refused: a token on the command line is readable by every user"
          + " of this machine (ps, /proc) and stays in shell history; give --token-file FILE or set $" + TOKEN_ENV);
    }
    String token;
    String from;
    if (tokenFile != null) {
      List<String> lines = Files.readAllLines(tokenFile);
      token = lines.isEmpty() ? "" : lines.get(0).strip();
      from = tokenFile.toString();
    } else {
      token = env.getOrDefault(TOKEN_ENV, "").strip();
      from = "$" + TOKEN_ENV;
    }
    if (token.isEmpty()) {
      throw new IllegalArgumentException(tokenFile == null && !env.containsKey(TOKEN_ENV)
          ? "give the enrollment token: --token-file FILE or $" + TOKEN_ENV
          : "the enrollment token in " + from + " is empty");
    }
    return token;
  }

  private void refusePlainHttpOnTheNetwork() {
    if (!"http".equals(broker.getScheme()) || insecure) {
      return;
    }
    try {
      if (InetAddress.getByName(broker.getHost()).isLoopbackAddress()) {
        return;
      }
    } catch (UnknownHostException e) {
      // not resolvable: refused below, with the reason that matters
    }
    throw new IllegalArgumentException("the token would cross the network in plain HTTP to " + broker.getHost()
        + ": use the broker's https:// URL, or --insecure (trials only)");
  }
}
