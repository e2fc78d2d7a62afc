package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Answered;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.ListVmsResponse;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.VmView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VMs as one set sees them, filtered by the concentrators and a page at a time: each member
 * of the set answers with at most the page's size of the VMs that pass, the first by VM id, and
 * how many passed; the broker merges the answers by VM id and keeps the first page of them.
 *
 * <p>Thread-safe: it keeps no state.
 */
final class VmPages {

  /**
   * One page; {@code complete} is false when some member of the set did not answer.
   * {@code matching} is how many VMs passed the filters, past the page too: the members' counts
   * summed, so a VM re-homed inside the set may count twice for a while (see {@link VmCounts}).
   */
  record Page(String setId, boolean complete, List<VmView> vms, long matching) {}

  private final ConcentratorDirectory directory;
  private final Duration deadline;

  /** @param deadline for each concentrator's answer (the listing timeout) */
  VmPages(ConcentratorDirectory directory, Duration deadline) {
    this.directory = directory;
    this.deadline = deadline;
  }

  /**
   * The first {@code request.limit} VMs (all when 0) that pass its filters, by VM id, as the set
   * named {@code setId} sees them or, without a name, the first set that answers.
   *
   * @throws BrokerException {@code BAD_REQUEST} for a set that does not exist,
   *     {@code NO_SET_REACHABLE} when no set answers
   */
  Page list(String setId, ListVmsRequest request) {
    Answered<ListVmsResponse> answered = directory.firstAnswering(directory.namedOrAll(setId), deadline,
        stub -> stub.listVms(request));
    Map<String, VmView> merged = new TreeMap<>();
    long matching = 0;
    for (Reply<ListVmsResponse> reply : answered.replies()) {
      if (reply.ok()) {
        matching += Integer.toUnsignedLong(reply.value().getMatching());
        for (VmView vm : reply.value().getVmsList()) {
          // After a re-home the old concentrator may still list the VM as unreachable.
          merged.merge(vm.getVmId(), vm, (a, b) -> a.getStatus() == VmStatus.VM_STATUS_UNREACHABLE ? b : a);
        }
      }
    }
    List<VmView> vms = merged.values().stream()  // by VM id
        .limit(request.getLimit() == 0 ? Long.MAX_VALUE : request.getLimit())
        .toList();
    return new Page(answered.set().id(), answered.complete(), vms, matching);
  }
}
