package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A subcommand of {@code admin} that makes its call to the admin API. Subclasses say what to send
 * and return the answer to print; {@link AdminCommand} connects, prints and maps failures to exit
 * codes.
 */
abstract class AdminCall implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    return AdminCommand.of(spec).execute(spec, this);
  }

  /**
   * Makes the call.
   *
   * @return the JSON to print, or null for nothing
   * @throws AdminFailure when the broker refuses or cannot be reached, or an input is wrong
   */
  abstract JsonNode send(AdminClient api);

  InputStream stdin() {
    return AdminCommand.of(spec).stdin();
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Sets the field when the value was given. */
  static void putIfGiven(ObjectNode body, String field, String value) {
    if (value != null) {
      body.put(field, value);
    }
  }

  /** The value when it is one of the choices (or null); else a usage error naming the option. */
  String oneOf(String option, String value, String... choices) {
    if (value == null || Arrays.asList(choices).contains(value)) {
      return value;
    }
    throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '"
        + value + "' is not one of " + String.join(", ", choices));
  }

  /** The value when it is an ISO-8601 instant (or null); else a usage error naming the option. */
  String instant(String option, String value) {
    if (value != null) {
      try {
        Instant.parse(value);
      } catch (DateTimeParseException e) {
        throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '"
            + value + "' is not an ISO-8601 instant such as 2026-11-25T08:00:00Z");
      }
    }
    return value;
  }

  /** A usage error of this subcommand: picocli prints it with the usage and exits with 2. */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
