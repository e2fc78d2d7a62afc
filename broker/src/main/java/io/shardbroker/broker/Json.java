package io.shardbroker.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.shardbroker.protocol.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading JSON request bodies and writing JSON answers. Every complaint names the field, so a
 * client (or a person) knows what to fix.
 */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String ANSWERED = "shardbroker.answered";

  private Json() {}

  static void send(Context ctx, int status, Object body) {
    HttpErrors.sendJson(ctx, status, body);
  }

  /** The body as a JSON object; {@code example} shows in the complaint when there is none. */
  static JsonNode object(Context ctx, String example) {
    String text = ctx.body();
    if (text == null || text.isBlank()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the request needs a JSON body such as " + example);
    }
    JsonNode body;
    try {
      body = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new BrokerException(Reason.BAD_REQUEST, "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (body == null || !body.isObject()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the body must be a JSON object such as " + example);
    }
    return body;
  }

  /** The body as a JSON object, or an empty one when there is none. */
  static JsonNode optionalObject(Context ctx) {
    String text = ctx.body();
    return text == null || text.isBlank() ? MAPPER.createObjectNode() : object(ctx, "{}");
  }

  static String requiredString(JsonNode body, String field) {
    String value = optionalString(body, field);
    if (value == null) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" is missing");
    }
    if (value.isBlank()) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" must not be empty");
    }
    return value;
  }

  /** The string, or null when the field is absent or null. */
  static String optionalString(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" must be a string");
    }
    return value.asText();
  }

  static Boolean optionalBoolean(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" must be true or false");
    }
    return value.asBoolean();
  }

  static List<String> optionalStrings(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" must be a list of strings");
    }
    List<String> strings = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw new BrokerException(Reason.BAD_REQUEST, field, "the field \"" + field + "\" must be a list of strings");
      }
      strings.add(item.asText());
    }
    return strings;
  }

  /** Rejects fields the endpoint does not know, so a typo is not silently ignored. */
  static void onlyFields(JsonNode body, String... known) {
    List<String> allowed = List.of(known);
    body.fieldNames().forEachRemaining(name -> {
      if (!allowed.contains(name)) {
        throw new BrokerException(Reason.BAD_REQUEST, name, "unknown field \"" + name
            + "\"; this endpoint takes " + String.join(", ", allowed));
      }
    });
  }
}
