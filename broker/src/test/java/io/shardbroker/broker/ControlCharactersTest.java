package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;

import io.shardbroker.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A NUL or other control character in input is bad input, never a database failure: PostgreSQL
 * refuses NUL in text outright, and a 503 with a logged stack trace per request would let anyone
 * without an account fill the log.
 */
@Timeout(60)
class ControlCharactersTest {

  private TestBroker broker;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start(TestPostgres.newDatabase());
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aPoolNameWithANulIsNotEntitled() {
    assertError(broker.api.post("alice", "/api/v1/sessions", json("pool", "desk\u0000top")), 403, "not_entitled");
  }

  @Test
  void aUserNameWithANulIsUnauthorized() {
    assertError(broker.api.send("ali\u0000ce", TestBroker.PASSWORD, "GET", "/api/v1/me", null, null),
        401, "unauthorized");
  }

  @Test
  void aFilterWithANulIsABadRequest() {
    assertError(broker.api.get(TestBroker.ADMIN, "/api/v1/admin/audit?target=a%00b"), 400, "bad_request");
    assertError(broker.api.get(TestBroker.ADMIN, "/api/v1/admin/sessions?user=a%00b"), 400, "bad_request");
  }
}
