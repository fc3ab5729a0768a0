package dev.traceyard.collector.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * OTLP/JSON as the OTLP specification defines it, which is not protobuf's canonical JSON: trace and
 * span ids are hex strings (not base64), enums are written as integers (names are accepted on input),
 * field names are lowerCamelCase (snake_case accepted on input), unknown fields are ignored on input.
 * Other bytes values (e.g. {@code bytesValue}) stay base64, as the spec says.
 */
public final class OtlpJson {
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      // Bounded nesting so a hostile document cannot exhaust the stack while being parsed.
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
      .build())
      // "{...} garbage" is not a valid document; without this Jackson stops after the first value.
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** Jackson's locations name a redacted source; the line and column are what a user needs. */
  private static final Pattern SOURCE_IN_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line");
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private OtlpJson() {}

  /** Encodes any OTLP message (export requests, spans...) as OTLP/JSON. */
  public static String encode(MessageOrBuilder message) {
    try {
      JsonNode tree = MAPPER.readTree(PRINTER.print(message));
      convertIds(tree, true, "");
      return MAPPER.writeValueAsString(tree);
    } catch (IOException | OtlpJsonException e) {
      // Printing our own valid message cannot fail; if it does it is a bug, not bad input.
      throw new IllegalStateException("cannot encode OTLP/JSON", e);
    }
  }

  public static byte[] encodeToBytes(MessageOrBuilder message) {
    return encode(message).getBytes(StandardCharsets.UTF_8);
  }

  public static ExportTraceServiceRequest decodeTraces(byte[] json) throws OtlpJsonException {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    decode(json, b);
    return b.build();
  }

  public static ExportMetricsServiceRequest decodeMetrics(byte[] json) throws OtlpJsonException {
    ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
    decode(json, b);
    return b.build();
  }

  public static ExportLogsServiceRequest decodeLogs(byte[] json) throws OtlpJsonException {
    ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
    decode(json, b);
    return b.build();
  }

  /** Decodes OTLP/JSON into {@code builder}. */
  public static void decode(byte[] json, Message.Builder builder) throws OtlpJsonException {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new OtlpJsonException("invalid JSON: " + SOURCE_IN_LOCATION.matcher(e.getOriginalMessage()).replaceAll("[line")
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()), e);
    } catch (IOException e) {
      throw new OtlpJsonException("invalid JSON: " + e.getMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new OtlpJsonException("invalid OTLP/JSON: the document must be a JSON object");
    }
    convertIds(tree, false, "");
    try {
      PARSER.merge(MAPPER.writeValueAsString(tree), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new OtlpJsonException("invalid OTLP/JSON: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new OtlpJsonException("invalid OTLP/JSON: " + e.getMessage(), e);
    }
  }

  /** Rewrites trace/span id fields between base64 (protobuf JSON) and hex (OTLP/JSON). */
  private static void convertIds(JsonNode node, boolean toHex, String path) throws OtlpJsonException {
    if (node.isObject()) {
      ObjectNode obj = (ObjectNode) node;
      for (Map.Entry<String, JsonNode> e : obj.properties()) {
        String key = e.getKey();
        JsonNode v = e.getValue();
        int idLength = idLength(key);
        if (!toHex && v.isTextual()) {
          checkUnicode(v.textValue(), path + key);
        }
        if (idLength > 0 && v.isTextual()) {
          e.setValue(TextNode.valueOf(toHex ? base64ToHex(v.asText()) : hexToBase64(v.asText(), idLength, path + key)));
        } else if (v.isContainerNode()) {
          convertIds(v, toHex, path + key + ".");
        }
      }
    } else if (node.isArray()) {
      ArrayNode arr = (ArrayNode) node;
      for (int i = 0; i < arr.size(); i++) {
        String at = path.isEmpty() ? "[" + i + "]" : path.substring(0, path.length() - 1) + "[" + i + "]";
        JsonNode element = arr.get(i);
        if (!toHex && element.isTextual()) {
          checkUnicode(element.textValue(), at);
        }
        convertIds(element, toHex, at + ".");
      }
    }
  }

  /**
   * JSON's {@code \\uD800} escapes can spell strings that are not Unicode (an unpaired surrogate), which
   * protobuf cannot carry: its binary form would silently turn them into '?'. Refused, as the protobuf
   * path refuses invalid UTF-8.
   */
  private static void checkUnicode(String text, String path) throws OtlpJsonException {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new OtlpJsonException("invalid " + path + ": an unpaired surrogate (\\u"
            + Integer.toHexString(c) + ") at character " + i + " is not valid Unicode");
      }
    }
  }

  /** Byte length of the id held in {@code key}, or 0 when the key is not an id field. */
  private static int idLength(String key) {
    switch (key) {
      case "traceId":
      case "trace_id":
        return 16;
      case "spanId":
      case "span_id":
      case "parentSpanId":
      case "parent_span_id":
        return 8;
      default:
        return 0;
    }
  }

  private static String base64ToHex(String b64) {
    return Hex.encode(Base64.getDecoder().decode(b64));
  }

  private static String hexToBase64(String hex, int bytes, String path) throws OtlpJsonException {
    if (hex.isEmpty()) {
      return "";
    }
    if (hex.length() != bytes * 2) {
      throw new OtlpJsonException("invalid " + path + " '" + abbreviate(hex) + "': expected " + (bytes * 2)
          + " hex characters, got " + hex.length());
    }
    byte[] raw = Hex.decode(hex);
    if (raw == null) {
      throw new OtlpJsonException("invalid " + path + " '" + abbreviate(hex) + "': not a hex string");
    }
    return Base64.getEncoder().encodeToString(raw);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
