package io.shardbroker.concentrator;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.HeartbeatAck;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.Welcome;
import io.shardbroker.security.Identity;
import io.shardbroker.security.PeerIdentity;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts agents' streams: checks the Hello, registers the VM, and feeds what the agent reports
 * into the {@link VmRegistry}. Protocol violations end the stream with a status that says what was
 * wrong, so a misbehaving agent's operator can read it in the agent's log.
 *
 * <p>Over TLS a Hello is taken only for a VM the agent's certificate names (PERMISSION_DENIED
 * otherwise): an agent cannot pose as another VM and collect its users' sessions.
 */
final class AgentLinkService extends AgentLinkGrpc.AgentLinkImplBase {

  private static final Logger log = LoggerFactory.getLogger(AgentLinkService.class);
  private static final int MAX_CAPACITY = 10_000;

  private final ConcentratorSettings settings;
  private final CurrentTopology topology;
  private final VmRegistry registry;
  private final WarmUp warmUp;
  private final HeartbeatPace pace;
  private final ConcentratorMetrics metrics;
  private final Set<AgentStream> open = ConcurrentHashMap.newKeySet();

  AgentLinkService(
      ConcentratorSettings settings, CurrentTopology topology, VmRegistry registry, WarmUp warmUp,
      HeartbeatPace pace, ConcentratorMetrics metrics) {
    this.settings = settings;
    this.topology = topology;
    this.registry = registry;
    this.warmUp = warmUp;
    this.pace = pace;
    this.metrics = metrics;
  }

  @Override
  public StreamObserver<AgentMessage> attach(StreamObserver<ConcentratorMessage> responses) {
    AgentStream[] stream = new AgentStream[1];
    stream[0] = new AgentStream((ServerCallStreamObserver<ConcentratorMessage>) responses,
        () -> open.remove(stream[0]));
    stream[0].receiveWith(new Inbound(stream[0], PeerIdentity.current()));
    open.add(stream[0]);
    return stream[0];
  }

  /** Every stream not ended yet, with or without a Hello: what a shutdown must close. */
  List<AgentStream> openStreams() {
    return List.copyOf(open);
  }

  /**
   * The attach protocol of one agent's stream: its Hello, state and heartbeats (answers the stream
   * takes itself). gRPC calls its methods one at a time.
   */
  private final class Inbound implements AgentStream.Protocol {
    private final AgentStream stream;
    private final Identity peer;  // null when the server authenticates nobody (--insecure)
    private String vmId;
    private boolean over;

    Inbound(AgentStream stream, Identity peer) {
      this.stream = stream;
      this.peer = peer;
    }

    @Override
    public boolean attached() {
      return vmId != null && !over;
    }

    @Override
    public void heard() {
      registry.heard(vmId, stream);
    }

    @Override
    public void onNext(AgentMessage message) {
      if (over) {
        return;
      }
      if (vmId == null) {
        hello(message);
        return;
      }
      switch (message.getBodyCase()) {
        case STATE -> registry.applyState(vmId, stream, message.getState().getState());
        case HEARTBEAT -> {
          // Only the VM's current stream is answered, and only when the agent asks: an agent on
          // a stale stream hears nothing and moves on.
          if (registry.heard(vmId, stream) && message.getHeartbeat().getAckWanted()) {
            stream.send(ConcentratorMessage.newBuilder()
                .setHeartbeatAck(HeartbeatAck.newBuilder()
                    .setSequence(message.getHeartbeat().getSequence())
                    .setHeartbeatIntervalMs((int) pace.intervalMillis()))
                .build());
          }
        }
        case START_ANSWER, END_ANSWER -> { }  // the stream takes its answers itself
        case HELLO -> refuse(Status.FAILED_PRECONDITION.withDescription(
            "a stream carries one Hello; VM " + vmId + " already said hello"));
        case BODY_NOT_SET -> refuse(Status.INVALID_ARGUMENT.withDescription("empty message"));
      }
    }

    private void hello(AgentMessage message) {
      if (!message.hasHello()) {
        refuse(Status.FAILED_PRECONDITION.withDescription(
            "the first message on a stream must be a Hello, got " + message.getBodyCase()));
        return;
      }
      Hello hello = message.getHello();
      String problem = validate(hello);
      if (problem != null) {
        refuse(Status.INVALID_ARGUMENT.withDescription(problem));
        return;
      }
      if (peer != null && !peer.mayActAsVm(hello.getVmId())) {
        log.warn("refused a Hello as VM {} from {}: its certificate is not for that VM", hello.getVmId(), peer);
        refuse(Status.PERMISSION_DENIED.withDescription(
            "the certificate of " + peer + " does not allow attaching as VM " + hello.getVmId()));
        return;
      }
      if (registry.attach(hello, stream) == VmRegistry.AttachResult.ALREADY_ATTACHED) {
        log.warn("refused a second stream for VM {}: it is attached through another one", hello.getVmId());
        refuse(Status.ALREADY_EXISTS.withDescription(
            "VM " + hello.getVmId() + " is already attached to concentrator " + settings.id()
                + " through another stream"));
        return;
      }
      vmId = hello.getVmId();
      if (!hello.getMoving()) {
        warmUp.vmArrived();  // a VM that was nowhere in this set; a mover was known where it was
      }
      Welcome.Builder welcome = Welcome.newBuilder()
          .setConcentratorId(settings.id())
          .setSetId(settings.setId())
          .setHeartbeatIntervalMs((int) pace.observe(registry.counts().reachable()));
      Topology newest = topology.get();
      if (newest.getVersion() > hello.getTopologyVersion()) {
        welcome.setTopology(newest);
      }
      stream.send(ConcentratorMessage.newBuilder().setWelcome(welcome).build());
      log.debug("VM {} ({} x{}) attached, state sequence {}", vmId, hello.getPool(),
          hello.getCapacity(), hello.getState().getSequence());
    }

    private String validate(Hello hello) {
      String problem = Names.problem("Hello.vm_id", hello.getVmId());
      if (problem == null) {
        problem = Names.problem("Hello.pool", hello.getPool());
      }
      if (problem != null) {
        return problem;
      }
      if (hello.getCapacity() < 1 || hello.getCapacity() > MAX_CAPACITY) {
        return "Hello.capacity must be 1.." + MAX_CAPACITY + ", got " + hello.getCapacity();
      }
      return null;
    }

    private void refuse(Status status) {
      over = true;
      if (vmId != null) {
        registry.lost(vmId, stream);
      }
      stream.close(status);
    }

    @Override
    public void onError(Throwable t) {
      over = true;
      // The registry first: a broker told that its start's outcome is unknown must not find the
      // VM still offered when it asks again.
      if (vmId != null) {
        metrics.lost();
        log.info("VM {} unreachable: its stream broke ({})", vmId, Status.fromThrowable(t).getCode());
        registry.lost(vmId, stream);
      }
      stream.lost(Status.fromThrowable(t).toString());
    }

    @Override
    public void onCompleted() {
      over = true;
      if (vmId != null) {
        log.debug("VM {} detached", vmId);
        registry.detach(vmId, stream);
      }
      stream.close(Status.OK);
    }
  }
}
