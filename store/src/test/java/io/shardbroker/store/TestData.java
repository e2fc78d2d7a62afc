package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.shardbroker.protocol.Reason;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Things the store contracts make and check again and again. */
final class TestData {
  static final String PASSWORD = "correct horse battery";

  private TestData() {}

  static Pool floating(String name) {
    return new Pool(name, "Pool " + name, Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true);
  }

  static Pool dedicated(String name) {
    return new Pool(name, "Pool " + name, Pool.Kind.DEDICATED, Pool.SessionMode.SINGLE, "rdp", true);
  }

  static User.New user(String name, String... groups) {
    return new User.New(name, null, PASSWORD, true, List.of(groups));
  }

  /** The store exception {@code call} throws, failing the test when it throws none. */
  static StoreException failure(ThrowingCallable call) {
    StoreException e = catchThrowableOfType(StoreException.class, call);
    assertThat(e).as("a StoreException").isNotNull();
    return e;
  }

  static void assertFails(Reason kind, String field, ThrowingCallable call) {
    StoreException e = failure(call);
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
    assertThat(e.field()).as(e.getMessage()).isEqualTo(field);
  }

  /** Every audit entry matching the filters, newest first, read page by page. */
  static List<AuditEntry> audit(Store store, String actor, String action, String target) {
    List<AuditEntry> all = new ArrayList<>();
    Long before = null;
    do {
      Page<AuditEntry> page = store.audit().query(
          new AuditEntry.Query(actor, action, target, null, null, new PageRequest(PageRequest.LIMIT_MAX, before)));
      all.addAll(page.items());
      before = page.nextBefore();
    } while (before != null);
    return all;
  }

  static List<AuditEntry> audit(Store store) {
    return audit(store, null, null, null);
  }

  /** Every session event matching the query's filters, newest first, read page by page. */
  static List<SessionEvent> history(Store store, SessionEvent.Query query) {
    List<SessionEvent> all = new ArrayList<>();
    Long before = null;
    do {
      Page<SessionEvent> page = store.history().query(new SessionEvent.Query(query.user(), query.pool(),
          query.vmId(), query.kind(), query.since(), query.until(), new PageRequest(PageRequest.LIMIT_MAX, before)));
      all.addAll(page.items());
      before = page.nextBefore();
    } while (before != null);
    return all;
  }

  static SessionEvent.Query allEvents() {
    return new SessionEvent.Query(null, null, null, null, null, null, null);
  }
}
