package dev.traceyard.collector.receiver.zipkin;

import dev.traceyard.collector.otlp.OtlpLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One decoded Zipkin v2 span, as close to the wire as possible: the JSON and proto3 decoders both
 * produce it and {@link ZipkinTranslator} turns a list of them into OTLP. Names keep their case
 * (unlike the Zipkin Java model, which lower-cases span and service names).
 *
 * @param traceIdHigh upper 64 bits of the trace id; 0 for 64-bit trace ids
 * @param parentId 0 when absent
 * @param name null when absent
 * @param timestampMicros epoch microseconds, 0 when absent
 * @param durationMicros 0 when absent
 * @param localEndpoint null when absent
 * @param remoteEndpoint null when absent
 * @param tags in the order they were received
 */
record ZipkinSpan(
    long traceIdHigh,
    long traceIdLow,
    long id,
    long parentId,
    String name,
    Kind kind,
    long timestampMicros,
    long durationMicros,
    Endpoint localEndpoint,
    Endpoint remoteEndpoint,
    List<Annotation> annotations,
    Map<String, String> tags,
    boolean debug,
    boolean shared) {

  /** Zipkin's span kinds; {@code UNSPECIFIED} when the span carries none. */
  enum Kind {
    UNSPECIFIED,
    CLIENT,
    SERVER,
    PRODUCER,
    CONSUMER
  }

  /**
   * @param serviceName null when absent
   * @param ipv4 dotted quad, null when absent
   * @param ipv6 RFC 5952 text, null when absent
   * @param port 0 when absent
   */
  record Endpoint(String serviceName, String ipv4, String ipv6, int port) {}

  /** An event at a point in time: becomes an OTLP span event. */
  record Annotation(long timestampMicros, String value) {}

  /** Largest epoch-microsecond value whose nanosecond form still fits in a signed long. */
  static final long MAX_MICROS = Long.MAX_VALUE / 1000;

  /**
   * Checks what both wire formats require of a decoded span.
   *
   * @return a message fit for a 400 response, or null when the span is valid
   */
  String problem() {
    if (traceIdHigh == 0 && traceIdLow == 0) {
      return "traceId must not be all zeros";
    }
    if (id == 0) {
      return "id must not be all zeros";
    }
    if (timestampMicros < 0 || timestampMicros > MAX_MICROS) {
      return "timestamp " + Long.toUnsignedString(timestampMicros) + " is not a valid epoch-microseconds value";
    }
    if (durationMicros < 0 || durationMicros > MAX_MICROS - timestampMicros) {
      return "duration " + Long.toUnsignedString(durationMicros) + " is out of range";
    }
    for (Annotation a : annotations) {
      if (a.timestampMicros() < 0 || a.timestampMicros() > MAX_MICROS) {
        return "annotation timestamp " + Long.toUnsignedString(a.timestampMicros())
            + " is not a valid epoch-microseconds value";
      }
    }
    // Tags become OTLP attributes: the same limits as for OTLP senders.
    if (tags.size() > OtlpLimits.MAX_ATTRIBUTES) {
      return "more than " + OtlpLimits.MAX_ATTRIBUTES + " tags (the limit)";
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      if (overUtf8Limit(tag.getKey(), OtlpLimits.MAX_KEY_BYTES)) {
        return "tag key '" + clip(tag.getKey()) + "' is longer than the limit of " + OtlpLimits.MAX_KEY_BYTES + " bytes";
      }
      if (overUtf8Limit(tag.getValue(), OtlpLimits.MAX_VALUE_BYTES)) {
        return "the value of tag '" + clip(tag.getKey()) + "' is longer than the limit of "
            + OtlpLimits.MAX_VALUE_BYTES + " bytes";
      }
    }
    return null;
  }

  /** Whether the UTF-8 form is over {@code limit} bytes; encodes only text that could be (a char is at most 3 bytes). */
  private static boolean overUtf8Limit(String s, int limit) {
    return s.length() * 3L > limit && s.getBytes(StandardCharsets.UTF_8).length > limit;
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
