package dev.traceyard.collector.receiver.zipkin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Annotation;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Endpoint;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes a Zipkin v2 JSON span list ({@code [{"traceId":..., "id":..., ...}]}) with Jackson's
 * streaming parser, straight into {@link ZipkinSpan}s. A bad span does not stop decoding, so the
 * error names the first problem and the refusal can count every span of the request.
 */
final class ZipkinJsonDecoder {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private ZipkinJsonDecoder() {}

  static List<ZipkinSpan> decode(byte[] body) throws ZipkinDecodeException {
    try (JsonParser p = JSON.createParser(body)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_ARRAY) {
        throw new ZipkinDecodeException("expected a JSON list of Zipkin v2 spans ([{...}, ...]), got "
            + describe(first, p), 0);
      }
      List<ZipkinSpan> spans = new ArrayList<>();
      Problems problems = new Problems();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        int index = spans.size() + problems.badSpans;
        if (t == JsonToken.START_OBJECT) {
          SpanReader reader = new SpanReader(p, index, problems);
          ZipkinSpan span = reader.read();
          if (span != null) {
            spans.add(span);
          } else {
            problems.badSpans++;
          }
        } else {
          problems.add("span[" + index + "]: expected an object, got " + describe(t, p));
          problems.badSpans++;
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new ZipkinDecodeException("unexpected content after the list of spans", 0);
      }
      if (problems.first != null) {
        throw new ZipkinDecodeException(problems.message(), spans.size() + problems.badSpans);
      }
      return spans;
    } catch (JsonProcessingException e) {
      throw new ZipkinDecodeException("malformed JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr() + ")"), 0);
    } catch (IOException e) {
      // Cannot happen on a byte array, but a clear refusal beats an unexplained 500.
      throw new ZipkinDecodeException("unreadable JSON: " + e.getMessage(), 0);
    }
  }

  /** The first problem found, and how many more there were. */
  private static final class Problems {
    String first;
    int more;
    int badSpans;

    void add(String problem) {
      if (first == null) {
        first = problem;
      } else {
        more++;
      }
    }

    String message() {
      return more == 0 ? first : first + " (and " + more + " more problem" + (more == 1 ? "" : "s") + ")";
    }
  }

  /** Reads one span object; the parser is on its START_OBJECT and is left on its END_OBJECT. */
  private static final class SpanReader {
    private final JsonParser p;
    private final String prefix;
    private final Problems problems;
    private boolean bad;

    SpanReader(JsonParser p, int index, Problems problems) {
      this.p = p;
      this.prefix = "span[" + index + "]";
      this.problems = problems;
    }

    private void problem(String field, String message) {
      bad = true;
      problems.add(prefix + (field == null ? "" : "." + field) + ": " + message);
    }

    ZipkinSpan read() throws IOException {
      long[] traceId = null;
      long id = 0;
      boolean hasId = false;
      long parentId = 0;
      String name = null;
      Kind kind = Kind.UNSPECIFIED;
      long timestamp = 0;
      long duration = 0;
      Endpoint local = null;
      Endpoint remote = null;
      List<Annotation> annotations = List.of();
      Map<String, String> tags = Map.of();
      boolean debug = false;
      boolean shared = false;

      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (field) {
          case "traceId":
            String traceHex = text(field, v);
            if (traceHex != null) {
              traceId = parseTraceId(traceHex);
              if (traceId == null) {
                problem(field, "expected 1 to 32 hex characters, got '" + clip(traceHex) + "'");
              }
            }
            break;
          case "id":
            String idHex = text(field, v);
            if (idHex != null) {
              Long parsed = parseSpanId(idHex);
              if (parsed == null) {
                problem(field, "expected 1 to 16 hex characters, got '" + clip(idHex) + "'");
              } else {
                id = parsed;
                hasId = true;
              }
            }
            break;
          case "parentId":
            String parentHex = text(field, v);
            if (parentHex != null && !parentHex.isEmpty()) {
              Long parsed = parseSpanId(parentHex);
              if (parsed == null) {
                problem(field, "expected 1 to 16 hex characters, got '" + clip(parentHex) + "'");
              } else {
                parentId = parsed;
              }
            }
            break;
          case "name":
            name = text(field, v);
            break;
          case "kind":
            String k = text(field, v);
            kind = k == null ? Kind.UNSPECIFIED : kind(k);
            break;
          case "timestamp":
            timestamp = micros(field, v);
            break;
          case "duration":
            duration = micros(field, v);
            break;
          case "localEndpoint":
            local = endpoint(field, v);
            break;
          case "remoteEndpoint":
            remote = endpoint(field, v);
            break;
          case "annotations":
            annotations = annotations(field, v);
            break;
          case "tags":
            tags = tags(field, v);
            break;
          case "debug":
            debug = bool(field, v);
            break;
          case "shared":
            shared = bool(field, v);
            break;
          default:
            // Unknown fields are skipped, as Zipkin itself does, so newer senders keep working.
            p.skipChildren();
        }
      }
      if (traceId == null && !bad) {
        problem("traceId", "is required");
      }
      if (!hasId && !bad) {
        problem("id", "is required");
      }
      if (bad) {
        return null;
      }
      ZipkinSpan span = new ZipkinSpan(traceId[0], traceId[1], id, parentId, name, kind, timestamp, duration,
          local, remote, annotations, tags, debug, shared);
      String problem = span.problem();
      if (problem != null) {
        problem(null, problem);
        return null;
      }
      return span;
    }

    private String text(String field, JsonToken v) throws IOException {
      if (v == JsonToken.VALUE_STRING) {
        return p.getText();
      }
      problem(field, "expected a string, got " + describe(v, p));
      p.skipChildren();
      return null;
    }

    private long micros(String field, JsonToken v) throws IOException {
      try {
        long value;
        if (v == JsonToken.VALUE_NUMBER_INT) {
          value = p.getLongValue();
        } else if (v == JsonToken.VALUE_NUMBER_FLOAT) {
          double d = p.getDoubleValue();
          if (!(d < 0x1p63)) {
            problem(field, "number out of range: " + clip(p.getText()));
            return 0;
          }
          value = (long) d;
        } else {
          problem(field, "expected epoch microseconds as a number, got " + describe(v, p));
          p.skipChildren();
          return 0;
        }
        if (value < 0) {
          problem(field, "must not be negative, got " + p.getText());
          return 0;
        }
        return value;
      } catch (InputCoercionException e) {
        problem(field, "number out of range: " + clip(p.getText()));
        return 0;
      }
    }

    private boolean bool(String field, JsonToken v) throws IOException {
      if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
        return v == JsonToken.VALUE_TRUE;
      }
      problem(field, "expected true or false, got " + describe(v, p));
      p.skipChildren();
      return false;
    }

    private Endpoint endpoint(String field, JsonToken v) throws IOException {
      if (v != JsonToken.START_OBJECT) {
        problem(field, "expected an object, got " + describe(v, p));
        p.skipChildren();
        return null;
      }
      String serviceName = null;
      String ipv4 = null;
      String ipv6 = null;
      int port = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken t = p.nextToken();
        if (t == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (key) {
          case "serviceName":
            serviceName = text(field + "." + key, t);
            break;
          case "ipv4":
            ipv4 = IpAddresses.normalize(text(field + "." + key, t));
            break;
          case "ipv6":
            ipv6 = IpAddresses.normalize(text(field + "." + key, t));
            break;
          case "port":
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
              port = p.getIntValue();
            } else {
              problem(field + "." + key, "expected a port number, got " + describe(t, p));
              p.skipChildren();
            }
            break;
          default:
            p.skipChildren();
        }
      }
      return new Endpoint(emptyToNull(serviceName), ipv4, ipv6, port);
    }

    private List<Annotation> annotations(String field, JsonToken v) throws IOException {
      if (v != JsonToken.START_ARRAY) {
        problem(field, "expected a list, got " + describe(v, p));
        p.skipChildren();
        return List.of();
      }
      List<Annotation> out = new ArrayList<>();
      JsonToken t;
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        String at = field + "[" + i++ + "]";
        if (t != JsonToken.START_OBJECT) {
          problem(at, "expected an object, got " + describe(t, p));
          p.skipChildren();
          continue;
        }
        long timestamp = 0;
        String value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          JsonToken a = p.nextToken();
          if (a == JsonToken.VALUE_NULL) {
            continue;
          }
          if (key.equals("timestamp")) {
            timestamp = micros(at + ".timestamp", a);
          } else if (key.equals("value")) {
            value = text(at + ".value", a);
          } else {
            p.skipChildren();
          }
        }
        out.add(new Annotation(timestamp, value == null ? "" : value));
      }
      return out;
    }

    private Map<String, String> tags(String field, JsonToken v) throws IOException {
      if (v != JsonToken.START_OBJECT) {
        problem(field, "expected an object of string values, got " + describe(v, p));
        p.skipChildren();
        return Map.of();
      }
      Map<String, String> out = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken t = p.nextToken();
        if (t == JsonToken.VALUE_NULL) {
          continue;
        }
        if (t.isScalarValue()) {
          // Zipkin tags are strings; numbers and booleans from lenient senders keep their text.
          // One past the limit is enough to refuse the span (ZipkinSpan.problem) without holding them all.
          if (out.size() <= OtlpLimits.MAX_ATTRIBUTES || out.containsKey(key)) {
            out.put(key, p.getText());
          }
        } else {
          problem(field + "." + key, "expected a string, got " + describe(t, p));
          p.skipChildren();
        }
      }
      return out;
    }
  }

  /** Parses 1-32 hex digits into {high, low}; null when invalid. */
  static long[] parseTraceId(String hex) {
    int n = hex.length();
    if (n == 0 || n > 32) {
      return null;
    }
    if (n <= 16) {
      Long low = parseSpanId(hex);
      return low == null ? null : new long[] {0, low};
    }
    Long high = parseSpanId(hex.substring(0, n - 16));
    Long low = parseSpanId(hex.substring(n - 16));
    return high == null || low == null ? null : new long[] {high, low};
  }

  /** Parses 1-16 hex digits (either case) as an unsigned 64-bit value; null when invalid. */
  static Long parseSpanId(String hex) {
    int n = hex.length();
    if (n == 0 || n > 16) {
      return null;
    }
    long value = 0;
    for (int i = 0; i < n; i++) {
      char c = hex.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return null;
      }
      value = (value << 4) | d;
    }
    return value;
  }

  private static Kind kind(String text) {
    switch (text.toUpperCase(Locale.ROOT)) {
      case "CLIENT":
        return Kind.CLIENT;
      case "SERVER":
        return Kind.SERVER;
      case "PRODUCER":
        return Kind.PRODUCER;
      case "CONSUMER":
        return Kind.CONSUMER;
      default:
        // Zipkin defines no other kinds; like otelcol, an unknown one reads as none.
        return Kind.UNSPECIFIED;
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String describe(JsonToken t, JsonParser p) throws IOException {
    if (t == null) {
      return "nothing";
    }
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "a list";
      case VALUE_STRING:
        return "'" + clip(p.getText()) + "'";
      default:
        return clip(p.getText());
    }
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
