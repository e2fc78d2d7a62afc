package io.shardbroker.concentrator;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.StartRule;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.CountVmsRequest;
import io.shardbroker.protocol.v1.CountVmsResponse;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.EndResult;
import io.shardbroker.protocol.v1.EndSessionRequest;
import io.shardbroker.protocol.v1.EndSessionResponse;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.ListVmsResponse;
import io.shardbroker.protocol.v1.PoolFreeSlots;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls brokers make. Lookups answer from the {@link VmRegistry} at once; starts and ends are
 * forwarded to the VM's agent and answered when the agent answers, without holding a thread.
 *
 * <p>A start that gets no answer in time, or whose broker gives up, is rolled back: the agent is
 * told to end whatever that request id started, so no half-started session is left behind.
 *
 * <p>Answers that list a user's sessions say when they are given during the {@link WarmUp}: a
 * session on a VM that has not come back yet is missing from them.
 */
final class BrokerService extends ConcentratorGrpc.ConcentratorImplBase {

  private static final Logger log = LoggerFactory.getLogger(BrokerService.class);
  private static final int DEFAULT_CANDIDATES = 8;
  private static final Duration DEADLINE_SLACK = Duration.ofSeconds(1);

  private final ConcentratorSettings settings;
  private final CurrentTopology topology;
  private final VmRegistry registry;
  private final WarmUp warmUp;
  private final HeartbeatPace pace;
  private final ScheduledExecutorService scheduler;
  private final ConcentratorMetrics metrics;

  BrokerService(
      ConcentratorSettings settings, CurrentTopology topology, VmRegistry registry, WarmUp warmUp,
      HeartbeatPace pace, ScheduledExecutorService scheduler, ConcentratorMetrics metrics) {
    this.settings = settings;
    this.topology = topology;
    this.registry = registry;
    this.warmUp = warmUp;
    this.pace = pace;
    this.scheduler = scheduler;
    this.metrics = metrics;
  }

  @Override
  public void findCandidates(
      FindCandidatesRequest request, StreamObserver<FindCandidatesResponse> responses) {
    if (request.getPool().isEmpty() || request.getUser().isEmpty()) {
      responses.onError(Status.INVALID_ARGUMENT
          .withDescription("FindCandidates needs a user and a pool").asRuntimeException());
      return;
    }
    // limit is a uint32: read it unsigned, so a huge one is capped like any other.
    long asked = Integer.toUnsignedLong(request.getLimit());
    int limit = (int) Math.min(asked == 0 ? DEFAULT_CANDIDATES : asked, settings.maxCandidates());
    // Read before the registry, not after: a view taken just before the warm-up ends must not go
    // out as complete.
    boolean warming = warmUp.warming();
    VmRegistry.Candidates found = registry.find(request.getUser(), request.getPool(), limit);
    metrics.found();
    responses.onNext(FindCandidatesResponse.newBuilder()
        .setConcentratorId(settings.id())
        .addAllCandidates(found.candidates())
        .addAllExistingSessions(found.existing())
        .setWarmingUp(warming)
        .setStartInFlight(found.startInFlight())
        .build());
    responses.onCompleted();
  }

  @Override
  public void startSession(
      StartSessionRequest request, StreamObserver<StartSessionResponse> responses) {
    if (request.getRequestId().isEmpty() || request.getUser().isEmpty()
        || request.getPool().isEmpty() || request.getVmId().isEmpty()) {
      responses.onError(Status.INVALID_ARGUMENT
          .withDescription("StartSession needs a request id, user, pool and VM id")
          .asRuntimeException());
      return;
    }
    ServerCallStreamObserver<StartSessionResponse> call =
        (ServerCallStreamObserver<StartSessionResponse>) responses;
    long began = System.nanoTime();
    String requestId = request.getRequestId();
    String vmId = request.getVmId();
    VmRegistry.Reservation reservation =
        registry.reserveStart(vmId, request.getUser(), request.getPool());
    if (reservation.notAttached()) {
      finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
          .setResult(StartResult.START_RESULT_VM_NOT_ATTACHED)
          .setReason("VM " + vmId + " is not attached to concentrator " + settings.id())
          .build());
      return;
    }
    if (reservation.refusal() != null) {
      finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
          .setResult(StartResult.START_RESULT_REFUSED)
          .setRefusal(reservation.refusal())
          .setReason(StartRule.describe(reservation.refusal(), reservation.detail()))
          .build());
      return;
    }
    AgentStream stream = reservation.stream();
    StartRequest.Builder start = StartRequest.newBuilder()
        .setRequestId(requestId)
        .setUser(request.getUser())
        .setPool(request.getPool());
    if (request.hasPolicy()) {
      start.setPolicy(request.getPolicy());
    }
    CompletableFuture<StartAnswer> answer = stream.start(start.build());
    ScheduledFuture<?> timeout = scheduler.schedule(
        () -> answer.completeExceptionally(new TimeoutException(
            "the agent did not answer within " + settings.startTimeout().toMillis() + " ms")),
        settings.startTimeout().toNanos(), TimeUnit.NANOSECONDS);
    Deadline deadline = Context.current().getDeadline();
    call.setOnCancelHandler(() -> {
      if (brokerTimedOut(deadline)) {
        // The broker moves on to another VM: undo this start, or the user could get two.
        answer.completeExceptionally(new CancellationException("the broker gave up waiting"));
      } else {
        // The broker went away (killed, restarted): nobody will start elsewhere for this
        // request, so a session the agent accepts stays, for the user's next request to find.
        log.info("[{}] the broker went away before the start on {} was answered; an accepted "
            + "session stays for the user to reconnect to", requestId, vmId);
      }
    });
    answer.whenComplete((a, failure) -> {
      timeout.cancel(false);
      registry.startFinished(vmId, request.getUser(), request.getPool(), stream,
          a == null ? null : a.getState());
      if (unwrap(failure) instanceof AgentStream.LinkLost) {
        // No rollback can reach an agent whose stream is gone, and it may have said yes: what it
        // did it reports wherever it is attached. Say so instead of claiming either outcome.
        finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
            .setResult(StartResult.START_RESULT_OUTCOME_UNKNOWN)
            .setReason("VM " + vmId + " is no longer attached (" + reason(failure)
                + "); its agent reports the outcome when it reattaches")
            .build());
      } else if (failure != null) {
        rollBack(stream, requestId, vmId);
        finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
            .setResult(StartResult.START_RESULT_TIMED_OUT)
            .setReason(reason(failure) + "; the start was rolled back")
            .build());
      } else if (a.getAccepted()) {
        finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
            .setResult(StartResult.START_RESULT_STARTED)
            .setSession(a.getSession())
            .setExisting(a.getExisting())
            .build());
      } else {
        finishStart(call, requestId, vmId, began, StartSessionResponse.newBuilder()
            .setResult(StartResult.START_RESULT_REFUSED)
            .setRefusal(a.getRefusal())
            .setReason(StartRule.describe(a.getRefusal(), a.getRefusalDetail()))
            .build());
      }
    });
  }

  /**
   * True when a cancelled call was the broker's own deadline running out, as opposed to the broker
   * going away. The broker's side expires a little before this side (the request's transit), so a
   * cancel within {@link #DEADLINE_SLACK} of the deadline counts as the deadline.
   */
  private static boolean brokerTimedOut(Deadline deadline) {
    return deadline != null && deadline.timeRemaining(TimeUnit.MILLISECONDS) <= DEADLINE_SLACK.toMillis();
  }

  /** Tells the agent to undo the start with this request id, whatever state it reached. */
  private void rollBack(AgentStream stream, String requestId, String vmId) {
    withEndTimeout(stream.end(EndRequest.newBuilder()
            .setRequestId("rollback:" + requestId)
            .setStartRequestId(requestId)
            .build()))
        .whenComplete((a, failure) -> {
          if (failure != null) {
            log.warn("[{}] rollback on {} got no answer ({}); the agent reports the truth when it "
                + "reattaches", requestId, vmId, reason(failure));
          } else {
            registry.applyState(vmId, stream, a.getState());
          }
        });
  }

  private void finishStart(
      ServerCallStreamObserver<StartSessionResponse> call, String requestId, String vmId,
      long beganNanos, StartSessionResponse response) {
    Duration took = Duration.ofNanos(System.nanoTime() - beganNanos);
    metrics.started(response.getResult(), took);
    if (response.getResult() == StartResult.START_RESULT_STARTED) {
      log.info("[{}] start on {}: {} session {} for {} ({} ms)", requestId, vmId,
          response.getExisting() ? "existing" : "new", response.getSession().getSessionId(),
          response.getSession().getUser(), took.toMillis());
    } else {
      log.info("[{}] start on {}: {} - {} ({} ms)", requestId, vmId,
          response.getResult().name().substring("START_RESULT_".length()), response.getReason(),
          took.toMillis());
    }
    respond(call, response);
  }

  @Override
  public void endSession(EndSessionRequest request, StreamObserver<EndSessionResponse> responses) {
    if (request.getSessionId().isEmpty() || request.getRequestId().isEmpty()) {
      responses.onError(Status.INVALID_ARGUMENT
          .withDescription("EndSession needs a request id and a session id").asRuntimeException());
      return;
    }
    ServerCallStreamObserver<EndSessionResponse> call =
        (ServerCallStreamObserver<EndSessionResponse>) responses;
    String requestId = request.getRequestId();
    boolean warming = warmUp.warming();  // before the lookup, as in findCandidates
    VmRegistry.SessionLocation where = registry.locate(request.getSessionId(), request.getUser());
    if (where == null) {
      respond(call, EndSessionResponse.newBuilder()
          .setResult(EndResult.END_RESULT_NOT_FOUND)
          .setWarmingUp(warming)
          .setReason("no such session on the VMs of concentrator " + settings.id())
          .build());
      return;
    }
    if (where.stream() == null) {
      respond(call, EndSessionResponse.newBuilder()
          .setResult(EndResult.END_RESULT_FAILED)
          .setReason("VM " + where.vmId() + " is unreachable; try again when it is back")
          .build());
      return;
    }
    AgentStream stream = where.stream();
    withEndTimeout(stream.end(EndRequest.newBuilder()
            .setRequestId(requestId)
            .setSessionId(request.getSessionId())
            .build()))
        .whenComplete((EndAnswer a, Throwable failure) -> {
          if (failure != null) {
            log.info("[{}] end of session {} on {} failed: {}", requestId, request.getSessionId(),
                where.vmId(), reason(failure));
            respond(call, EndSessionResponse.newBuilder()
                .setResult(EndResult.END_RESULT_FAILED)
                .setReason(reason(failure))
                .build());
            return;
          }
          registry.applyState(where.vmId(), stream, a.getState());
          log.info("[{}] end of session {} on {}: {}", requestId, request.getSessionId(),
              where.vmId(), a.getEnded() ? "ended" : "already gone");
          respond(call, EndSessionResponse.newBuilder()
              .setResult(a.getEnded() ? EndResult.END_RESULT_ENDED : EndResult.END_RESULT_NOT_FOUND)
              .setVmId(where.vmId())
              .setPool(where.pool())
              .build());
        });
  }

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> responses) {
    VmRegistry.Listing listing = registry.list(request);
    responses.onNext(ListVmsResponse.newBuilder()
        .setConcentratorId(settings.id())
        .addAllVms(listing.vms())
        .setMatching(listing.matching())
        .build());
    responses.onCompleted();
  }

  @Override
  public void countVms(CountVmsRequest request, StreamObserver<CountVmsResponse> responses) {
    Set<String> maintenance = Set.copyOf(request.getMaintenanceVmIdsList());  // outside the lock
    responses.onNext(CountVmsResponse.newBuilder()
        .setConcentratorId(settings.id())
        .addAllPools(registry.countByPool(maintenance))
        .build());
    responses.onCompleted();
  }

  @Override
  public void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> responses) {
    boolean warming = warmUp.warming();
    responses.onNext(ListSessionsResponse.newBuilder()
        .addAllSessions(registry.sessions(request.getUser(), request.getPool()))
        .setWarmingUp(warming)
        .setStartInFlight(!request.getUser().isEmpty() && !request.getPool().isEmpty()
            && registry.startInFlight(request.getUser(), request.getPool()))
        .build());
    responses.onCompleted();
  }

  @Override
  public void health(HealthRequest request, StreamObserver<HealthResponse> responses) {
    VmRegistry.Counts counts = registry.counts();
    HealthResponse.Builder health = HealthResponse.newBuilder()
        .setConcentratorId(settings.id())
        .setSetId(settings.setId())
        .setAttachedVms(counts.reachable())
        .setUnreachableVms(counts.unreachable())
        .setSessions(counts.sessions())
        .setTopologyVersion(topology.get().getVersion())
        .setHeartbeatIntervalMs((int) pace.intervalMillis())
        .setEndsJournal(registry.ends().id())
        .addAllEnds(registry.ends().after(request.getEndsJournal(), request.getEndsAfter()));
    registry.freeSlotsByPool().forEach((pool, free) -> health.addFreeSlots(PoolFreeSlots.newBuilder()
        .setPool(pool)
        .setFreeSlots((int) Math.min(free, Integer.MAX_VALUE))));
    responses.onNext(health.build());
    responses.onCompleted();
  }

  private static <T> void respond(ServerCallStreamObserver<T> call, T response) {
    if (call.isCancelled()) {
      return;
    }
    try {
      call.onNext(response);
      call.onCompleted();
    } catch (RuntimeException e) {
      // cancelled between the check and the send: nobody is listening any more
    }
  }

  /**
   * Fails the agent's answer to an end with a {@link TimeoutException} when it does not come
   * within the end timeout. The timer runs on the injected scheduler, like the start timeout, so
   * it follows the concentrator's clock; failing the answer itself also lets the stream forget it.
   */
  private CompletableFuture<EndAnswer> withEndTimeout(CompletableFuture<EndAnswer> answer) {
    ScheduledFuture<?> timeout = scheduler.schedule(
        () -> answer.completeExceptionally(new TimeoutException(
            "the agent did not answer within " + settings.endTimeout().toMillis() + " ms")),
        settings.endTimeout().toNanos(), TimeUnit.NANOSECONDS);
    answer.whenComplete((a, failure) -> timeout.cancel(false));
    return answer;
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  private static String reason(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof TimeoutException && cause.getMessage() == null) {
      return "the agent did not answer in time";
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
