package dev.traceyard.store.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.MessageOrBuilder;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

/** JSON responses. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static HttpResponse ok(Object body) {
    return of(HttpStatus.OK, body);
  }

  static HttpResponse of(HttpStatus status, Object body) {
    try {
      return HttpResponse.of(status, MediaType.JSON_UTF_8, MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** An OTLP message in OTLP/JSON (hex ids, integer enums), the same document as {@code OtlpJson}'s. */
  static HttpResponse otlp(MessageOrBuilder message) {
    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, OtlpJsonWriter.encode(message));
  }

  /** The native API's error body: {@code {"error": "..."}}. */
  static HttpResponse error(HttpStatus status, String message) {
    ObjectNode n = object();
    n.put("error", message);
    return of(status, n);
  }
}
