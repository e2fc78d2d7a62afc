package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One-time connection tickets: each rule is a way to get in that fails. */
class TicketBookTest {

  private final FakeClock clock = new FakeClock();
  private final TicketBook book = new TicketBook(clock);

  @Test
  void aTicketAdmitsItsUserOnceToItsSession() {
    TicketBook.Ticket ticket = book.issue("s1", "alice");
    assertThat(ticket.expiresAt()).isEqualTo(clock.instant().plus(TicketBook.LIFETIME));
    assertThat(book.redeem(ticket.value(), "alice")).contains("s1");
    assertThat(book.redeem(ticket.value(), "alice")).as("replayed").isEmpty();
  }

  @Test
  void anExpiredTicketIsRefused() {
    TicketBook.Ticket ticket = book.issue("s1", "alice");
    clock.advance(TicketBook.LIFETIME);
    assertThat(book.redeem(ticket.value(), "alice")).isEmpty();
  }

  @Test
  void anotherUsersTicketIsRefusedAndUsedUp() {
    TicketBook.Ticket ticket = book.issue("s1", "alice");
    assertThat(book.redeem(ticket.value(), "mallory")).isEmpty();
    assertThat(book.redeem(ticket.value(), "alice")).as("a leaked ticket is spent").isEmpty();
    assertThat(book.redeem("sct-made-up", "alice")).isEmpty();
    assertThat(book.redeem(null, "alice")).isEmpty();
  }

  @Test
  void aReconnectReplacesItsSessionsTicketAndNeverAnothers() {
    TicketBook.Ticket carols = book.issue("s-carol", "carol");
    TicketBook.Ticket first = book.issue("s1", "alice");
    TicketBook.Ticket again = book.issue("s1", "alice");
    assertThat(again.value()).isNotEqualTo(first.value());
    assertThat(book.redeem(first.value(), "alice")).as("replaced by the reconnect's").isEmpty();
    for (int i = 0; i < 2 * TicketBook.MAX_OPEN; i++) {  // a user who asks and asks
      again = book.issue("s1", "alice");
    }
    assertThat(book.redeem(carols.value(), "carol")).as("another session's ticket still works").contains("s-carol");
    assertThat(book.redeem(again.value(), "alice")).contains("s1");
  }

  @Test
  void pastTheMostSessionsAVmTakesTheOldestTicketGoes() {
    TicketBook.Ticket first = book.issue("s-first", "alice");
    for (int i = 0; i < TicketBook.MAX_OPEN; i++) {
      book.issue("s" + i, "bob");
    }
    assertThat(book.redeem(first.value(), "alice")).as("the oldest made room").isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(book.redeem(book.issue("s9", "carol").value(), "carol")).contains("s9");
  }
}
