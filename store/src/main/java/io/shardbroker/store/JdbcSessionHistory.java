package io.shardbroker.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** Session history: events go through the {@link HistoryWriter}; queries read the table directly. */
final class JdbcSessionHistory implements SessionHistory {
  private static final int ID_MAX = 256;
  private static final int DETAIL_MAX = 1024;

  private final Database db;
  private final HistoryWriter writer;

  JdbcSessionHistory(Database db, HistoryWriter writer) {
    this.db = db;
    this.writer = writer;
  }

  /**
   * Queues the event. Its time defaults to now; text is cut to fit its column and NUL characters
   * (which PostgreSQL refuses) are replaced, so one odd event cannot hold up the others.
   *
   * @throws StoreException INVALID when the kind is missing
   */
  @Override
  public void record(SessionEvent event) {
    Inputs.required(event, "event");
    Inputs.required(event.kind(), "kind");
    writer.add(new SessionEvent(0, event.at() == null ? db.now() : event.at(), event.kind(),
        fit(event.user(), ID_MAX), fit(event.pool(), ID_MAX), fit(event.vmId(), ID_MAX),
        fit(event.sessionId(), ID_MAX), fit(event.broker(), ID_MAX), fit(event.requestId(), ID_MAX),
        fit(event.detail(), DETAIL_MAX)));
  }

  @Override
  public void flush() {
    writer.flush();
  }

  @Override
  public long dropped() {
    return writer.dropped();
  }

  @Override
  public Page<SessionEvent> query(SessionEvent.Query query) {
    Inputs.required(query, "query");
    PageRequest page = query.page() == null ? PageRequest.first(PageRequest.LIMIT_DEFAULT) : query.page();
    Where where = new Where()
        .equal("user_name", query.user())
        .equal("pool_name", query.pool())
        .equal("vm_id", query.vmId())
        .equal("kind", query.kind() == null ? null : query.kind().name())
        .atLeast("occurred_at", query.since())
        .before("occurred_at", query.until())
        .below("id", page.before());
    String sql = "SELECT id, occurred_at, kind, user_name, pool_name, vm_id, session_id, broker,"
        + " request_id, detail FROM session_events" + where.sql() + " ORDER BY id DESC FETCH FIRST ? ROWS ONLY";
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(where.bind(ps), page.limit() + 1);
        List<SessionEvent> items = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            items.add(new SessionEvent(rs.getLong("id"), Database.getInstant(rs, "occurred_at"),
                SessionEvent.Kind.valueOf(rs.getString("kind")), rs.getString("user_name"),
                rs.getString("pool_name"), rs.getString("vm_id"), rs.getString("session_id"),
                rs.getString("broker"), rs.getString("request_id"), rs.getString("detail")));
          }
        }
        return Pages.of(items, page.limit(), SessionEvent::id);
      }
    });
  }

  private static String fit(String value, int max) {
    return value == null ? null : Audit.clip(value.replace('\0', '\uFFFD'), max);
  }
}
