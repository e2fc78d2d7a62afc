package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.AgentMessage.BodyCase;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.HeartbeatAck;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent and its links over in-process gRPC against fake concentrators. Time (heartbeats,
 * backoff) moves only on the FakeClock; the gRPC threads are real, so arrivals are awaited.
 */
@Timeout(60)
class AgentTest {

  private static final String POOL = "desktops";
  private static final Duration RECONNECT_INITIAL = Duration.ofMillis(200);

  private final FakeClock clock = new FakeClock();
  private final ChannelSource channels =
      new ChannelSource(name -> InProcessChannelBuilder.forName(name).directExecutor().build());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    channels.close();
  }

  /**
   * What a step caused has happened by the time it returns: the in-process transport on direct
   * executors delivers every message on the thread that sends it, and time moves only on the
   * FakeClock. So there is nothing to wait for; a condition that does not hold now never will.
   */
  private static void holdsNow(BooleanSupplier condition) {
    assertThat(condition.getAsBoolean()).as("the condition holds once the step has returned").isTrue();
  }

  private FakeConcentrator manual(String id, String setId) {
    FakeConcentrator c = FakeConcentrator.manual(id, setId);
    toClose.add(c);
    return c;
  }

  private FakeConcentrator welcoming(String id, String setId) {
    FakeConcentrator c = FakeConcentrator.welcoming(id, setId);
    toClose.add(c);
    return c;
  }

  private static ConcentratorSet set(String id, FakeConcentrator... members) {
    return ConcentratorSet.newBuilder().setId(id)
        .addAllConcentrators(Arrays.stream(members).map(FakeConcentrator::endpoint).toList())
        .build();
  }

  private static Topology topology(long version, ConcentratorSet... sets) {
    return Topology.newBuilder().setVersion(version).addAllSets(List.of(sets)).build();
  }

  /** A VM id whose rendezvous order over {@code members} is exactly the order given. */
  private static String vmRanking(FakeConcentrator... members) {
    List<ConcentratorEndpoint> wanted = Arrays.stream(members).map(FakeConcentrator::endpoint).toList();
    return IntStream.range(0, 10_000).mapToObj(i -> "vm-" + i)
        .filter(vm -> Rendezvous.rank(vm, wanted).equals(wanted))
        .findFirst().orElseThrow();
  }

  private SimulatedSessionHost simulatedHost(String vmId) {
    return new SimulatedSessionHost(vmId, SimulatedSessionHost.Settings.DEFAULTS, clock, new Random(3));
  }

  private Agent agent(String vmId, Topology topology) {
    return agent(vmId, topology, simulatedHost(vmId));
  }

  private Agent agent(String vmId, Topology topology, SessionHost host) {
    AgentSettings settings = new AgentSettings(vmId, POOL, 1, topology, RECONNECT_INITIAL,
        Duration.ofSeconds(10));
    Agent agent = new Agent(settings, host, channels, clock, clock, new Random(11));
    toClose.add(agent);
    return agent;
  }

  private static FakeConcentrator.Stream awaitStream(FakeConcentrator c, int count) {
    holdsNow(() -> c.streams().size() >= count
        && !c.streams().get(count - 1).received().isEmpty());
    assertThat(c.streams()).hasSize(count);
    return c.streams().get(count - 1);
  }

  private static AgentMessage awaitMessage(FakeConcentrator.Stream s, BodyCase kind, int nth) {
    holdsNow(() -> s.received(kind).size() >= nth);
    return s.received(kind).get(nth - 1);
  }

  private static ConcentratorMessage startMessage(String requestId, String user) {
    return ConcentratorMessage.newBuilder()
        .setStart(StartRequest.newBuilder().setRequestId(requestId).setUser(user).setPool(POOL))
        .build();
  }

  // ---- attach ---------------------------------------------------------------------------------

  @Test
  void firstMessageIsAHelloDescribingTheVm() {
    FakeConcentrator c1 = manual("c1", "s1");
    Agent agent = agent("vm-7", topology(4, set("s1", c1)));

    agent.start();

    AgentMessage first = awaitStream(c1, 1).received().get(0);
    assertThat(first.getBodyCase()).isEqualTo(BodyCase.HELLO);
    Hello hello = first.getHello();
    assertThat(hello.getVmId()).isEqualTo("vm-7");
    assertThat(hello.getPool()).isEqualTo(POOL);
    assertThat(hello.getCapacity()).isEqualTo(1);
    assertThat(hello.getAgentVersion()).isEqualTo(Agent.VERSION);
    assertThat(hello.getTopologyVersion()).isEqualTo(4);
    assertThat(hello.getIncarnation()).isNotBlank();
    assertThat(hello.getState()).isEqualTo(agent.state());
    assertThat(hello.getState().getAccepting()).isTrue();
    assertThat(agent.attachedSets()).isZero();  // not before the Welcome
  }

  @Test
  void eachAgentRunHasItsOwnIncarnation() {
    // Concentrators rely on it to tell a restarted agent, whose sequences start over.
    FakeConcentrator c1 = manual("c1", "s1");
    Topology topology = topology(1, set("s1", c1));
    agent("vm-7", topology).start();
    String firstRun = awaitStream(c1, 1).received().get(0).getHello().getIncarnation();
    agent("vm-7", topology).start();
    String secondRun = awaitStream(c1, 2).received().get(0).getHello().getIncarnation();

    assertThat(secondRun).isNotEqualTo(firstRun);
  }

  @Test
  void heartbeatsFollowTheIntervalTheWelcomeAsksFor() {
    FakeConcentrator c1 = manual("c1", "s1");
    Agent agent = agent("vm-7", topology(1, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    assertThat(clock.pendingTasks()).as("no heartbeat before the Welcome").isZero();

    stream.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachedSets() == 1);
    beat(stream);
    beat(stream);
    beat(stream);
    clock.advance(Duration.ofMillis(500));
    // A state update sent now arrives after every heartbeat sent so far: a marker to count them.
    agent.setAccepting(false);
    awaitMessage(stream, BodyCase.STATE, 1);

    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
    assertThat(kindsBeforeFirstState(stream))
        .containsExactly(BodyCase.HELLO, BodyCase.HEARTBEAT, BodyCase.HEARTBEAT, BodyCase.HEARTBEAT);
    long helloSequence = stream.received().get(0).getHello().getState().getSequence();
    assertThat(stream.received(BodyCase.HEARTBEAT))
        .allSatisfy(h -> assertThat(h.getHeartbeat().getSequence()).isEqualTo(helloSequence));

    clock.advance(Duration.ofMillis(500));
    beat(stream);
    agent.setAccepting(true);
    awaitMessage(stream, BodyCase.STATE, 2);
    assertThat(stream.received(BodyCase.HEARTBEAT)).hasSize(5);
    // Heartbeats carry the latest sequence, so a concentrator can tell that it missed an update.
    assertThat(stream.received(BodyCase.HEARTBEAT).get(4).getHeartbeat().getSequence())
        .isEqualTo(stream.received(BodyCase.STATE).get(0).getState().getState().getSequence());
  }

  private static List<BodyCase> kindsBeforeFirstState(FakeConcentrator.Stream stream) {
    List<BodyCase> kinds = new ArrayList<>();
    for (AgentMessage m : stream.received()) {
      if (m.hasState()) {
        break;
      }
      kinds.add(m.getBodyCase());
    }
    return kinds;
  }

  // ---- requests -------------------------------------------------------------------------------

  @Test
  void startRequestIsAnsweredOnTheStreamWithItsRequestId() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    Agent agent = agent("vm-7", topology(1, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);

    stream.send(startMessage("r-42", "alice"));

    StartAnswer answer = awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer();
    assertThat(answer.getRequestId()).isEqualTo("r-42");
    assertThat(answer.getAccepted()).isTrue();
    assertThat(answer.getSession().getUser()).isEqualTo("alice");
    assertThat(answer.getSession().getConnection().getHost()).isEqualTo("vm-7.sim.invalid");
    AgentMessage update = awaitMessage(stream, BodyCase.STATE, 1);
    assertThat(update.getState().getState().getSessionsList())
        .extracting(s -> s.getSessionId()).containsExactly(answer.getSession().getSessionId());
    assertThat(agent.state().getSessionsCount()).isEqualTo(1);

    stream.send(ConcentratorMessage.newBuilder().setEnd(EndRequest.newBuilder()
        .setRequestId("e-1").setSessionId(answer.getSession().getSessionId())).build());

    EndAnswer ended = awaitMessage(stream, BodyCase.END_ANSWER, 1).getEndAnswer();
    assertThat(ended.getRequestId()).isEqualTo("e-1");
    assertThat(ended.getEnded()).isTrue();
    assertThat(awaitMessage(stream, BodyCase.STATE, 2).getState().getState().getSessionsList()).isEmpty();
  }

  @Test
  void startThatTakesTimeIsAnsweredWhenTheHostHasStartedIt() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    SimulatedSessionHost slow = new SimulatedSessionHost("vm-7",
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ofSeconds(2), Duration.ZERO, 0.0),
        clock, new Random(3));
    Agent agent = agent("vm-7", topology(1, set("s1", c1)), slow);
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    int heartbeatOnly = clock.pendingTasks();

    stream.send(startMessage("r-1", "alice"));
    holdsNow(() -> clock.pendingTasks() == heartbeatOnly + 1);  // the host's start timer
    clock.advance(Duration.ofMillis(1_999));
    assertThat(stream.received(BodyCase.START_ANSWER)).isEmpty();
    clock.advance(Duration.ofMillis(1));

    assertThat(awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer().getAccepted()).isTrue();
  }

  // ---- the host's truth ----------------------------------------------------------------------

  private static final Instant BEFORE_RESTART = Instant.parse("2026-12-01T08:00:00Z");

  private static HostedSession hosted(String sessionId, String user) {
    return new HostedSession(sessionId, user, POOL,
        Connection.newBuilder().setProtocol("vnc").setHost("vm-7.example").setPort(5901).build(), BEFORE_RESTART);
  }

  @Test
  void aRestartedAgentReportsWhatItsHostRunsInItsFirstHelloAndGivesItToNoOneElse() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    ManualSessionHost host = new ManualSessionHost();
    host.runs(hosted("s-before", "alice"));
    Agent agent = agent("vm-7", topology(1, set("s1", c1)), host);

    agent.start();

    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    VmState first = stream.received().get(0).getHello().getState();
    assertThat(first.getSessionsList()).extracting(Session::getSessionId, Session::getUser, Session::getStartedAtMs)
        .containsExactly(tuple("s-before", "alice", BEFORE_RESTART.toEpochMilli()));
    holdsNow(() -> agent.attachedSets() == 1);

    stream.send(startMessage("r-1", "bob"));
    StartAnswer refused = awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer();
    assertThat(refused.getAccepted()).isFalse();
    assertThat(refused.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);

    stream.send(startMessage("r-2", "alice"));
    StartAnswer reconnect = awaitMessage(stream, BodyCase.START_ANSWER, 2).getStartAnswer();
    assertThat(reconnect.getAccepted()).isTrue();
    assertThat(reconnect.getExisting()).isTrue();
    assertThat(reconnect.getSession().getSessionId()).isEqualTo("s-before");
    assertThat(reconnect.getSession().getConnection().getTicket()).startsWith("sct-");
    assertThat(host.starts()).as("nothing started twice").isEmpty();
  }

  @Test
  void aHostThatCannotSayWhatRunsKeepsTheVmFromNewSessionsUntilItCan() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    ManualSessionHost host = new ManualSessionHost();
    host.cannotList("state file unreadable");
    Agent agent = agent("vm-7", topology(1, set("s1", c1)), host);

    agent.start();

    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    assertThat(stream.received().get(0).getHello().getState().getAccepting()).isFalse();
    holdsNow(() -> agent.attachedSets() == 1);
    stream.send(startMessage("r-1", "bob"));
    assertThat(awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer().getRefusal())
        .isEqualTo(StartRefusal.START_REFUSAL_NOT_ACCEPTING);

    host.runs();
    clock.advance(Agent.RELIST_AFTER_FAILURE);

    assertThat(awaitMessage(stream, BodyCase.STATE, 1).getState().getState().getAccepting()).isTrue();
    assertThat(host.listings()).isEqualTo(2);
  }

  @Test
  void theHostIsListedAgainAtItsIntervalSoSessionsThatEndedWithoutTheAgentAreDropped() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    ManualSessionHost host = new ManualSessionHost().listedEvery(Duration.ofSeconds(10));
    host.runs(hosted("s-before", "alice"));
    Agent agent = agent("vm-7", topology(1, set("s1", c1)), host);
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);

    host.runs();  // alice logged off inside the desktop; the host tells nobody
    clock.advance(Duration.ofSeconds(10));

    assertThat(awaitMessage(stream, BodyCase.STATE, 1).getState().getState().getSessionsList()).isEmpty();
    assertThat(agent.state().getAccepting()).isTrue();
  }

  @Test
  void aListingAskedForBeforeASessionStartedDoesNotEndIt() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    ManualSessionHost host = new ManualSessionHost().listedEvery(Duration.ofSeconds(10));
    Agent agent = agent("vm-7", topology(1, set("s1", c1)), host);
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    host.listsSlowly();
    clock.advance(Duration.ofSeconds(10));  // the list script runs...
    stream.send(startMessage("r-1", "alice"));  // ...while alice's session starts
    host.finishNext();
    assertThat(awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer().getAccepted()).isTrue();

    host.answerListing();  // made before alice's session existed

    assertThat(agent.state().getSessionsList()).extracting(Session::getUser).containsExactly("alice");
    clock.advance(Duration.ofSeconds(10));  // a listing asked after the start does count
    assertThat(agent.state().getSessionsList()).isEmpty();
  }

  // ---- reconnects -----------------------------------------------------------------------------

  @Test
  void failedStreamMovesToTheNextConcentratorAfterABackoff() {
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    agent.start();
    FakeConcentrator.Stream first = awaitStream(c1, 1);
    first.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachedSets() == 1);
    first.send(startMessage("r-1", "alice"));
    String sessionId = awaitMessage(first, BodyCase.START_ANSWER, 1).getStartAnswer()
        .getSession().getSessionId();

    first.fail(Status.UNAVAILABLE.withDescription("concentrator going down"));
    holdsNow(() -> agent.attachedSets() == 0);

    assertThat(clock.pendingTasks()).as("only the reconnect is scheduled").isEqualTo(1);
    clock.advance(Duration.ofMillis(99));  // backoff: 100..200 ms after the first failure
    assertThat(clock.pendingTasks()).isEqualTo(1);
    assertThat(c2.streams()).isEmpty();
    clock.advance(Duration.ofMillis(101));
    assertThat(clock.pendingTasks()).isZero();

    FakeConcentrator.Stream second = awaitStream(c2, 1);
    // The new concentrator learns the running session from the Hello: sessions outlive streams.
    assertThat(second.received().get(0).getHello().getState().getSessionsList())
        .extracting(s -> s.getSessionId()).containsExactly(sessionId);
    second.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachedSets() == 1);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
    assertThat(c1.streams()).hasSize(1);
  }

  /** Moves the clock one heartbeat interval (1 s) and waits for the heartbeat to arrive. */
  private void beat(FakeConcentrator.Stream stream) {
    int before = stream.received(BodyCase.HEARTBEAT).size();
    clock.advance(Duration.ofSeconds(1));
    awaitMessage(stream, BodyCase.HEARTBEAT, before + 1);
  }

  @Test
  void aConcentratorSilentForFourIntervalsIsLeftForTheNext() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = welcoming("c2", "s1");
    // Cut off after its Welcome: no acknowledgements, and no health answers either.
    c1.stopAcknowledging();
    c1.serving(false);
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    agent.start();
    FakeConcentrator.Stream first = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    for (int silent = 1; silent <= 4; silent++) {
      beat(first);  // up to four intervals of silence: still within the limit
    }
    assertThat(agent.attachedSets()).isEqualTo(1);
    assertThat(first.received(BodyCase.HEARTBEAT))
        .extracting(m -> m.getHeartbeat().getAckWanted())
        .as("a heartbeat asks for an acknowledgement after two silent intervals")
        .containsExactly(false, true, true, true);
    clock.advance(Duration.ofSeconds(1));  // the fifth: given up instead of sent
    holdsNow(() -> agent.attachedSets() == 0);
    holdsNow(() -> first.errorFromAgent() != null);  // the agent cancelled the call

    clock.advance(Duration.ofMillis(200));  // the reconnect's backoff
    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c2")));
    // On the fallback it looks for c1 every two intervals, and stays while c1 does not answer.
    FakeConcentrator.Stream second = awaitStream(c2, 1);
    beat(second);
    beat(second);
    holdsNow(() -> c1.healthChecks() >= 1);
    beat(second);
    beat(second);
    holdsNow(() -> c1.healthChecks() >= 2);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
    assertThat(c1.streams()).hasSize(1);
  }

  @Test
  void anAcknowledgementThatAsksForALongerIntervalIsFollowed() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    Agent agent = agent(vmRanking(c1), topology(1, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    beat(stream);

    // The concentrator took on more VMs: from now on, one heartbeat every 3 s.
    stream.send(ConcentratorMessage.newBuilder()
        .setHeartbeatAck(HeartbeatAck.newBuilder().setSequence(0).setHeartbeatIntervalMs(3_000))
        .build());
    holdsNow(() -> agent.heartbeatIntervals().equals(Map.of("s1", 3_000L)));
    int before = stream.received(BodyCase.HEARTBEAT).size();
    clock.advance(Duration.ofSeconds(2));
    assertThat(stream.received(BodyCase.HEARTBEAT)).as("no beat at the old interval").hasSize(before);
    clock.advance(Duration.ofSeconds(1));
    awaitMessage(stream, BodyCase.HEARTBEAT, before + 1);  // 3 s after the acknowledgement
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
  }

  @Test
  void aVmOnAFallbackMovesBackWhenItsPreferredConcentratorServesAgain() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = welcoming("c2", "s1");
    FakeConcentrator c3 = welcoming("c3", "s1");
    Agent agent = agent(vmRanking(c1, c2, c3), topology(1, set("s1", c1, c2, c3)));
    agent.start();
    holdsNow(() -> agent.attachedSets() == 1);
    c1.serving(false);
    awaitStream(c1, 1).fail(Status.UNAVAILABLE.withDescription("killed"));
    holdsNow(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(200));
    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c2")));
    FakeConcentrator.Stream fallback = awaitStream(c2, 1);

    c1.serving(true);  // restarted
    beat(fallback);
    beat(fallback);  // the second interval: a look at c1, which answers

    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c1")));
    assertThat(c1.streams()).hasSize(2);
    holdsNow(fallback::completedByAgent);  // gracefully: c2 forgets the VM at once
    assertThat(c3.healthChecks()).as("only concentrators it prefers are asked").isZero();
    assertThat(c3.streams()).isEmpty();
  }

  @Test
  void unwelcomedFailuresBackOffLongerAndWrapAroundTheSet() {
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    agent.start();

    awaitStream(c1, 1).fail(Status.UNAVAILABLE);
    holdsNow(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(200));
    awaitStream(c2, 1).fail(Status.UNAVAILABLE);
    holdsNow(() -> clock.pendingTasks() == 1);

    clock.advance(Duration.ofMillis(199));  // second failure in a row: 200..400 ms
    assertThat(clock.pendingTasks()).isEqualTo(1);
    clock.advance(Duration.ofMillis(201));

    assertThat(awaitStream(c1, 2).received().get(0).hasHello()).isTrue();
    assertThat(agent.attachedSets()).isZero();
  }

  @Test
  void alreadyExistsRetriesTheSameConcentrator() {
    // The concentrator still holds the previous stream of this VM; it is the right one to retry.
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    agent.start();

    awaitStream(c1, 1).fail(Status.ALREADY_EXISTS.withDescription("vm attached elsewhere"));
    holdsNow(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(200));

    FakeConcentrator.Stream retry = awaitStream(c1, 2);
    retry.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachedSets() == 1);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
    assertThat(c2.streams()).isEmpty();
  }

  // ---- topology -------------------------------------------------------------------------------

  @Test
  void newerTopologyInTheWelcomeRehomesToTheNewPreferredConcentrator() {
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream old = awaitStream(c1, 1);

    old.sendWelcome(1_000, topology(2, set("s1", c1, c2)));

    FakeConcentrator.Stream moved = awaitStream(c2, 1);
    assertThat(moved.received().get(0).getHello().getTopologyVersion()).isEqualTo(2);
    moved.sendWelcome(1_000, null);
    holdsNow(old::completedByAgent);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
  }

  @Test
  void topologyMessageRehomesToTheNewPreferredConcentrator() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = welcoming("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream old = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);

    old.send(ConcentratorMessage.newBuilder().setTopology(topology(2, set("s1", c1, c2))).build());
    holdsNow(old::completedByAgent);
    clock.runDueTasks();

    awaitStream(c2, 1);
    holdsNow(() -> "c2".equals(agent.attachments().get("s1")));
    assertThat(old.errorFromAgent()).isNull();
  }

  @Test
  void newerTopologyBringsAVmOnAFallbackBackToItsPreferredConcentrator() {
    // c1 failed and came back: the new topology version lets its VMs return, spreading load again.
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    agent.start();
    awaitStream(c1, 1).fail(Status.UNAVAILABLE);
    holdsNow(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(200));
    FakeConcentrator.Stream fallback = awaitStream(c2, 1);
    fallback.sendWelcome(1_000, null);
    holdsNow(() -> "c2".equals(agent.attachments().get("s1")));

    fallback.send(ConcentratorMessage.newBuilder().setTopology(topology(2, set("s1", c1, c2))).build());

    FakeConcentrator.Stream back = awaitStream(c1, 2);
    back.sendWelcome(1_000, null);
    holdsNow(fallback::completedByAgent);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
    assertThat(c2.streams()).hasSize(1);
  }

  @Test
  void topologyThatIsNotNewerOrKeepsThePreferredConcentratorMovesNothing() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = welcoming("c2", "s1");
    FakeConcentrator c3 = welcoming("c3", "s1");
    Agent agent = agent(vmRanking(c1, c2, c3), topology(5, set("s1", c1)));
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);

    // Stale: would move the VM to c3 if it were taken.
    stream.send(ConcentratorMessage.newBuilder()
        .setTopology(topology(5, set("s1", c3))).build());
    // Newer, but c1 is still first for this VM.
    stream.send(ConcentratorMessage.newBuilder()
        .setTopology(topology(6, set("s1", c1, c2, c3))).build());
    // Messages are handled in order: an answer on this stream proves the stream was kept.
    stream.send(startMessage("r-1", "alice"));

    assertThat(awaitMessage(stream, BodyCase.START_ANSWER, 1).getStartAnswer().getAccepted()).isTrue();
    clock.runDueTasks();
    assertThat(stream.completedByAgent()).isFalse();
    assertThat(c2.streams()).isEmpty();
    assertThat(c3.streams()).isEmpty();
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
  }

  @Test
  void newerTopologyWithAnotherSetAttachesThereToo() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    Agent agent = agent("vm-7", topology(1, set("A", a1)));
    agent.start();
    FakeConcentrator.Stream stream = awaitStream(a1, 1);
    holdsNow(() -> agent.attachedSets() == 1);

    stream.send(ConcentratorMessage.newBuilder()
        .setTopology(topology(2, set("A", a1), set("B", b1))).build());

    assertThat(awaitStream(b1, 1).received().get(0).getHello().getTopologyVersion()).isEqualTo(2);
    holdsNow(() -> agent.attachedSets() == 2);
    assertThat(agent.attachments()).containsOnly(Map.entry("A", "a1"), Map.entry("B", "b1"));
  }

  // ---- make-before-break moves ---------------------------------------------------------------

  /**
   * Attaches to c1, then fails over to c2; both leave welcoming to the test. c2 is welcomed while
   * the clock stands still, so its heartbeats fall exactly on whole intervals from now.
   */
  private FakeConcentrator.Stream failOver(Agent agent, FakeConcentrator c1, FakeConcentrator c2) {
    agent.start();
    awaitStream(c1, 1).sendWelcome(1_000, null);
    holdsNow(() -> agent.attachedSets() == 1);
    c1.serving(false);
    c1.lastStream().fail(Status.UNAVAILABLE.withDescription("killed"));
    holdsNow(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(200));
    FakeConcentrator.Stream fallback = awaitStream(c2, 1);
    fallback.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c2")));
    return fallback;
  }

  /** Brings c1 back and lets two intervals pass on the fallback: the look home opens a stream. */
  private FakeConcentrator.Stream lookHome(FakeConcentrator c1, FakeConcentrator.Stream fallback) {
    int before = c1.streams().size();
    c1.serving(true);
    beat(fallback);
    beat(fallback);
    return awaitStream(c1, before + 1);
  }

  /**
   * Attaches to {@code from}, then hands over a topology that puts {@code to} first: returns the
   * stream the move opens to {@code to}, not welcomed.
   */
  private FakeConcentrator.Stream moveByTopology(
      Agent agent, FakeConcentrator from, FakeConcentrator to) {
    agent.start();
    awaitStream(from, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    FakeConcentrator.Stream old = from.lastStream();
    old.send(ConcentratorMessage.newBuilder()
        .setTopology(topology(2, set("s1", from, to))).build());
    // However the agent reacts (a break-before-make move would close first, then connect from the
    // scheduler), let it finish reacting before the test looks.
    holdsNow(() -> !to.streams().isEmpty() || old.completedByAgent());
    clock.runDueTasks();
    return awaitStream(to, 1);
  }

  /** Proves {@code stream} is still in use: a start sent on it is answered on it. */
  private static void answersOn(FakeConcentrator.Stream stream, String requestId) {
    int before = stream.received(BodyCase.START_ANSWER).size();
    stream.send(startMessage(requestId, "alice"));
    StartAnswer answer = awaitMessage(stream, BodyCase.START_ANSWER, before + 1).getStartAnswer();
    assertThat(answer.getRequestId()).isEqualTo(requestId);
  }

  @Test
  void movingBackOpensTheNewStreamBeforeTheFallbackIsClosed() {
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    FakeConcentrator.Stream fallback = failOver(agent, c1, c2);

    FakeConcentrator.Stream back = lookHome(c1, fallback);

    // c1 has the Hello while c2 still holds the VM: attached, and answering on the same stream.
    assertThat(back.received().get(0).hasHello()).isTrue();
    assertThat(back.received().get(0).getHello().getMoving()).as("says it is moving").isTrue();
    assertThat(fallback.received().get(0).getHello().getMoving()).as("came from nowhere").isFalse();
    assertThat(fallback.completedByAgent()).isFalse();
    answersOn(fallback, "r-1");
    assertThat(back.received(BodyCase.START_ANSWER)).isEmpty();
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
    assertThat(fallback.completedByAgent()).isFalse();

    back.sendWelcome(1_000, null);

    holdsNow(fallback::completedByAgent);  // gracefully, and only now
    assertThat(fallback.errorFromAgent()).isNull();
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
    beat(back);  // heartbeats follow the move
  }

  @Test
  void topologyChangeOpensTheNewStreamBeforeTheOldOneIsClosed() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));

    FakeConcentrator.Stream moved = moveByTopology(agent, c1, c2);

    FakeConcentrator.Stream old = c1.lastStream();
    assertThat(moved.received().get(0).getHello().getTopologyVersion()).isEqualTo(2);
    assertThat(old.completedByAgent()).isFalse();
    answersOn(old, "r-1");
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
    assertThat(old.completedByAgent()).isFalse();

    moved.sendWelcome(1_000, null);

    holdsNow(old::completedByAgent);
    assertThat(old.errorFromAgent()).isNull();
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
    answersOn(moved, "r-2");
  }

  @Test
  void aStartInFlightOnTheOldStreamIsAnsweredThereBeforeItCloses() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    ManualSessionHost host = new ManualSessionHost();
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)), host);
    agent.start();
    FakeConcentrator.Stream old = awaitStream(c1, 1);
    holdsNow(() -> agent.attachedSets() == 1);
    old.send(startMessage("r-1", "alice"));
    holdsNow(() -> host.starts().size() == 1);  // the host is working on it
    old.send(ConcentratorMessage.newBuilder().setTopology(topology(2, set("s1", c1, c2))).build());
    clock.runDueTasks();
    FakeConcentrator.Stream moved = awaitStream(c2, 1);

    moved.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c2")));
    assertThat(old.completedByAgent()).as("closed with an answer still owed").isFalse();

    host.finishNext();

    // Lost, the answer would leave c1's broker unsure whether the desktop started.
    assertThat(awaitMessage(old, BodyCase.START_ANSWER, 1).getStartAnswer().getAccepted()).isTrue();
    holdsNow(old::completedByAgent);
    assertThat(old.errorFromAgent()).isNull();
  }

  @Test
  void aMoveNotWelcomedWithinFourHeartbeatIntervalsIsClosedAndTheVmStays() {
    FakeConcentrator c1 = manual("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c1, c2), topology(1, set("s1", c1, c2)));
    FakeConcentrator.Stream fallback = failOver(agent, c1, c2);
    FakeConcentrator.Stream silent = lookHome(c1, fallback);  // c1 accepts it, but never welcomes

    for (int i = 0; i < 3; i++) {
      beat(fallback);  // the fallback keeps heartbeating meanwhile
    }
    clock.advance(Duration.ofMillis(999));
    assertThat(silent.completedByAgent()).isFalse();
    int heartbeats = fallback.received(BodyCase.HEARTBEAT).size();
    clock.advance(Duration.ofMillis(1));  // four intervals after the move began

    // Closed gracefully, so that c1 forgets the VM rather than keep it, and its sessions, as stale.
    holdsNow(silent::completedByAgent);
    assertThat(silent.errorFromAgent()).isNull();
    awaitMessage(fallback, BodyCase.HEARTBEAT, heartbeats + 1);  // c2 still hears from the VM
    assertThat(fallback.completedByAgent()).isFalse();
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c2"));
    answersOn(fallback, "r-1");

    beat(fallback);
    beat(fallback);  // a later look home tries again
    FakeConcentrator.Stream again = awaitStream(c1, 3);
    again.sendWelcome(1_000, null);
    holdsNow(fallback::completedByAgent);
    assertThat(agent.attachments()).containsExactly(Map.entry("s1", "c1"));
  }

  @Test
  void stateChangesDuringAMoveReachBothConcentrators() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));
    FakeConcentrator.Stream moved = moveByTopology(agent, c1, c2);
    FakeConcentrator.Stream old = c1.lastStream();
    long helloSequence = moved.received().get(0).getHello().getState().getSequence();

    agent.setAccepting(false);

    for (FakeConcentrator.Stream s : List.of(old, moved)) {
      VmState reported = awaitMessage(s, BodyCase.STATE, 1).getState().getState();
      assertThat(reported.getAccepting()).isFalse();
      assertThat(reported.getSequence()).isGreaterThan(helloSequence);
    }
    assertThat(old.completedByAgent()).isFalse();
  }

  @Test
  void closeDuringAMoveHalfClosesBothStreams() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));
    FakeConcentrator.Stream moved = moveByTopology(agent, c1, c2);
    FakeConcentrator.Stream old = c1.lastStream();

    agent.close();

    holdsNow(() -> old.completedByAgent() && moved.completedByAgent());
    assertThat(old.errorFromAgent()).isNull();
    assertThat(moved.errorFromAgent()).isNull();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void whenTheOldStreamFailsDuringAMoveTheNewOneCarriesOn() {
    FakeConcentrator c1 = welcoming("c1", "s1");
    FakeConcentrator c2 = manual("c2", "s1");
    Agent agent = agent(vmRanking(c2, c1), topology(1, set("s1", c1)));
    FakeConcentrator.Stream moved = moveByTopology(agent, c1, c2);

    c1.lastStream().fail(Status.UNAVAILABLE.withDescription("concentrator going down"));

    holdsNow(() -> agent.attachedSets() == 0);
    assertThat(clock.pendingTasks()).as("no reconnect: the move's stream is kept").isZero();
    moved.sendWelcome(1_000, null);
    holdsNow(() -> agent.attachments().equals(Map.of("s1", "c2")));
    beat(moved);
    assertThat(moved.errorFromAgent()).isNull();
    assertThat(c1.streams()).hasSize(1);
    assertThat(c2.streams()).hasSize(1);
  }

  // ---- sets and shutdown ----------------------------------------------------------------------

  @Test
  void attachesToOneConcentratorInEachSetAndReportsStateToEach() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator a2 = welcoming("a2", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    FakeConcentrator b2 = welcoming("b2", "B");
    String vm = "vm-7";
    Topology topology = topology(1, set("A", a1, a2), set("B", b1, b2));
    String preferredA = Rendezvous.choose(vm, topology.getSets(0).getConcentratorsList()).getId();
    String preferredB = Rendezvous.choose(vm, topology.getSets(1).getConcentratorsList()).getId();
    Agent agent = agent(vm, topology);

    agent.start();
    holdsNow(() -> agent.attachedSets() == 2);

    assertThat(agent.attachments()).containsOnly(Map.entry("A", preferredA), Map.entry("B", preferredB));
    for (FakeConcentrator c : List.of(a1, a2, b1, b2)) {
      boolean preferred = c.id().equals(preferredA) || c.id().equals(preferredB);
      assertThat(c.streams()).as(c.id()).hasSize(preferred ? 1 : 0);
    }
    FakeConcentrator inA = preferredA.equals("a1") ? a1 : a2;
    FakeConcentrator inB = preferredB.equals("b1") ? b1 : b2;

    // A session started through set A is reported to set B as well.
    inA.lastStream().send(startMessage("r-1", "alice"));
    AgentMessage seenByB = awaitMessage(inB.lastStream(), BodyCase.STATE, 1);
    assertThat(seenByB.getState().getState().getSessionsList())
        .extracting(s -> s.getUser()).containsExactly("alice");
  }

  @Test
  void closeHalfClosesEveryStreamAndStopsReconnecting() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    Agent agent = agent("vm-7", topology(1, set("A", a1), set("B", b1)));
    agent.start();
    holdsNow(() -> agent.attachedSets() == 2);

    agent.close();

    FakeConcentrator.Stream a = a1.lastStream();
    FakeConcentrator.Stream b = b1.lastStream();
    holdsNow(() -> a.completedByAgent() && b.completedByAgent());
    assertThat(a.errorFromAgent()).isNull();
    assertThat(b.errorFromAgent()).isNull();
    assertThat(agent.attachedSets()).isZero();
    clock.advance(Duration.ofMinutes(1));
    assertThat(clock.pendingTasks()).isZero();
    assertThat(a1.streams()).hasSize(1);
    assertThat(b1.streams()).hasSize(1);
  }

  @Test
  void closeDuringABackoffCancelsTheReconnect() {
    FakeConcentrator c1 = manual("c1", "s1");
    Agent agent = agent("vm-7", topology(1, set("s1", c1)));
    agent.start();
    awaitStream(c1, 1).fail(Status.UNAVAILABLE);
    holdsNow(() -> clock.pendingTasks() == 1);

    agent.close();
    clock.advance(Duration.ofMinutes(1));

    assertThat(c1.streams()).hasSize(1);
  }

  @Test
  void twoSetsRacingForASingleUserDesktopGetOneAcceptance() {
    // Two brokers pick the same VM through different sets: the agent lets only one user in.
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    SimulatedSessionHost desktop = simulatedHost("vm-7");
    Agent agent = agent("vm-7", topology(1, set("A", a1), set("B", b1)), desktop);
    agent.start();
    holdsNow(() -> agent.attachedSets() == 2);
    FakeConcentrator.Stream viaA = a1.lastStream();
    FakeConcentrator.Stream viaB = b1.lastStream();

    for (int i = 0; i < 20; i++) {
      viaA.send(startMessage("a-" + i, "alice" + i));
      viaB.send(startMessage("b-" + i, "bob" + i));
    }
    holdsNow(() -> viaA.received(BodyCase.START_ANSWER).size() == 20
        && viaB.received(BodyCase.START_ANSWER).size() == 20);

    List<StartAnswer> answers = new ArrayList<>();
    for (FakeConcentrator.Stream s : List.of(viaA, viaB)) {
      s.received(BodyCase.START_ANSWER).forEach(m -> answers.add(m.getStartAnswer()));
    }
    assertThat(answers).filteredOn(StartAnswer::getAccepted).hasSize(1);
    assertThat(desktop.truth().maxConcurrentSessions()).isEqualTo(1);
    assertThat(agent.state().getSessionsCount()).isEqualTo(1);
  }
}
