package dev.traceyard.collector.receiver.zipkin;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.traceyard.collector.otlp.OtlpLimits;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Annotation;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Endpoint;
import dev.traceyard.collector.receiver.zipkin.ZipkinSpan.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a Zipkin proto3 {@code ListOfSpans} (zipkin-api's zipkin.proto) with protobuf's
 * {@link CodedInputStream}, straight into {@link ZipkinSpan}s: no generated classes needed for five
 * small messages. Unknown fields inside a span are skipped (forward compatibility); an unknown
 * top-level field means the body is not a ListOfSpans at all and is refused.
 */
final class ZipkinProtoDecoder {
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;

  private ZipkinProtoDecoder() {}

  static List<ZipkinSpan> decode(byte[] body) throws ZipkinDecodeException {
    CodedInputStream in = CodedInputStream.newInstance(body);
    List<ZipkinSpan> spans = new ArrayList<>();
    String firstProblem = null;
    int problems = 0;
    int count = 0;
    try {
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (WireFormat.getTagFieldNumber(tag) != 1 || WireFormat.getTagWireType(tag) != LEN) {
          throw new ZipkinDecodeException("malformed protobuf: unexpected field " + WireFormat.getTagFieldNumber(tag)
              + " (wire type " + WireFormat.getTagWireType(tag) + ") in ListOfSpans; expected Zipkin proto3 spans", 0);
        }
        int limit = in.pushLimit(in.readRawVarint32());
        SpanProblem problem = new SpanProblem();
        ZipkinSpan span = readSpan(in, problem);
        in.popLimit(limit);
        if (problem.message == null) {
          problem.message = span.problem();
        }
        if (problem.message == null) {
          spans.add(span);
        } else {
          if (firstProblem == null) {
            firstProblem = "span[" + count + "]: " + problem.message;
          }
          problems++;
        }
        count++;
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ZipkinDecodeException("malformed protobuf ListOfSpans: " + e.getMessage(), 0);
    } catch (IOException e) {
      throw new ZipkinDecodeException("unreadable protobuf ListOfSpans: " + e.getMessage(), 0);
    }
    if (firstProblem != null) {
      throw new ZipkinDecodeException(problems == 1 ? firstProblem
          : firstProblem + " (and " + (problems - 1) + " more problem" + (problems == 2 ? "" : "s") + ")", count);
    }
    return spans;
  }

  /** The first content problem of one span; structural errors throw instead. */
  private static final class SpanProblem {
    String message;

    void add(String m) {
      if (message == null) {
        message = m;
      }
    }
  }

  private static ZipkinSpan readSpan(CodedInputStream in, SpanProblem problem) throws IOException {
    long traceHigh = 0;
    long traceLow = 0;
    boolean hasTraceId = false;
    long id = 0;
    boolean hasId = false;
    long parentId = 0;
    String name = null;
    Kind kind = Kind.UNSPECIFIED;
    long timestamp = 0;
    long duration = 0;
    Endpoint local = null;
    Endpoint remote = null;
    List<Annotation> annotations = new ArrayList<>();
    Map<String, String> tags = new LinkedHashMap<>();
    boolean debug = false;
    boolean shared = false;
    int tag;
    while ((tag = in.readTag()) != 0) {
      int field = WireFormat.getTagFieldNumber(tag);
      int wire = WireFormat.getTagWireType(tag);
      switch (field) {
        case 1: {
          byte[] b = bytes(in, wire, "trace_id");
          if (b.length == 8) {
            traceLow = toLong(b, 0);
            hasTraceId = true;
          } else if (b.length == 16) {
            traceHigh = toLong(b, 0);
            traceLow = toLong(b, 8);
            hasTraceId = true;
          } else {
            problem.add("trace_id must be 8 or 16 bytes, got " + b.length);
          }
          break;
        }
        case 2: {
          byte[] b = bytes(in, wire, "parent_id");
          if (b.length == 8) {
            parentId = toLong(b, 0);
          } else if (b.length != 0) {
            problem.add("parent_id must be 8 bytes, got " + b.length);
          }
          break;
        }
        case 3: {
          byte[] b = bytes(in, wire, "id");
          if (b.length == 8) {
            id = toLong(b, 0);
            hasId = true;
          } else {
            problem.add("id must be 8 bytes, got " + b.length);
          }
          break;
        }
        case 4:
          expect(wire, VARINT, "kind");
          kind = kind(in.readEnum());
          break;
        case 5:
          expect(wire, LEN, "name");
          name = emptyToNull(in.readString());
          break;
        case 6:
          expect(wire, FIXED64, "timestamp");
          timestamp = in.readFixed64();
          break;
        case 7:
          expect(wire, VARINT, "duration");
          duration = in.readUInt64();
          break;
        case 8:
          local = endpoint(in, wire, "local_endpoint", problem);
          break;
        case 9:
          remote = endpoint(in, wire, "remote_endpoint", problem);
          break;
        case 10:
          annotations.add(annotation(in, wire));
          break;
        case 11:
          tag(in, wire, tags);
          break;
        case 12:
          expect(wire, VARINT, "debug");
          debug = in.readBool();
          break;
        case 13:
          expect(wire, VARINT, "shared");
          shared = in.readBool();
          break;
        default:
          in.skipField(tag);
      }
    }
    if (!hasTraceId) {
      problem.add("trace_id is required");
    }
    if (!hasId) {
      problem.add("id is required");
    }
    return new ZipkinSpan(traceHigh, traceLow, id, parentId, name, kind, timestamp, duration, local, remote,
        annotations, tags, debug, shared);
  }

  private static Endpoint endpoint(CodedInputStream in, int wire, String name, SpanProblem problem) throws IOException {
    expect(wire, LEN, name);
    int limit = in.pushLimit(in.readRawVarint32());
    String serviceName = null;
    String ipv4 = null;
    String ipv6 = null;
    int port = 0;
    int tag;
    while ((tag = in.readTag()) != 0) {
      int w = WireFormat.getTagWireType(tag);
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1:
          expect(w, LEN, name + ".service_name");
          serviceName = emptyToNull(in.readString());
          break;
        case 2: {
          byte[] b = bytes(in, w, name + ".ipv4");
          if (b.length == 4) {
            ipv4 = IpAddresses.format(b);
          } else if (b.length != 0) {
            problem.add(name + ".ipv4 must be 4 bytes, got " + b.length);
          }
          break;
        }
        case 3: {
          byte[] b = bytes(in, w, name + ".ipv6");
          if (b.length == 16) {
            ipv6 = IpAddresses.format(b);
          } else if (b.length != 0) {
            problem.add(name + ".ipv6 must be 16 bytes, got " + b.length);
          }
          break;
        }
        case 4:
          expect(w, VARINT, name + ".port");
          port = in.readInt32();
          break;
        default:
          in.skipField(tag);
      }
    }
    in.popLimit(limit);
    return new Endpoint(serviceName, ipv4, ipv6, port);
  }

  private static Annotation annotation(CodedInputStream in, int wire) throws IOException {
    expect(wire, LEN, "annotations");
    int limit = in.pushLimit(in.readRawVarint32());
    long timestamp = 0;
    String value = "";
    int tag;
    while ((tag = in.readTag()) != 0) {
      int w = WireFormat.getTagWireType(tag);
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1:
          expect(w, FIXED64, "annotations.timestamp");
          timestamp = in.readFixed64();
          break;
        case 2:
          expect(w, LEN, "annotations.value");
          value = in.readString();
          break;
        default:
          in.skipField(tag);
      }
    }
    in.popLimit(limit);
    return new Annotation(timestamp, value);
  }

  /** One map entry of {@code tags}: a message with key = 1 and value = 2. */
  private static void tag(CodedInputStream in, int wire, Map<String, String> tags) throws IOException {
    expect(wire, LEN, "tags");
    int limit = in.pushLimit(in.readRawVarint32());
    String key = "";
    String value = "";
    int tag;
    while ((tag = in.readTag()) != 0) {
      int w = WireFormat.getTagWireType(tag);
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1:
          expect(w, LEN, "tags.key");
          key = in.readString();
          break;
        case 2:
          expect(w, LEN, "tags.value");
          value = in.readString();
          break;
        default:
          in.skipField(tag);
      }
    }
    in.popLimit(limit);
    // One past the limit is enough to refuse the span (ZipkinSpan.problem) without holding them all.
    if (tags.size() <= OtlpLimits.MAX_ATTRIBUTES || tags.containsKey(key)) {
      tags.put(key, value);
    }
  }

  private static byte[] bytes(CodedInputStream in, int wire, String field) throws IOException {
    expect(wire, LEN, field);
    return in.readByteArray();
  }

  private static void expect(int actual, int expected, String field) throws InvalidProtocolBufferException {
    if (actual != expected) {
      throw new InvalidProtocolBufferException("field " + field + " has wire type " + actual + ", expected " + expected);
    }
  }

  private static long toLong(byte[] b, int offset) {
    long v = 0;
    for (int i = offset; i < offset + 8; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  private static Kind kind(int value) {
    switch (value) {
      case 1:
        return Kind.CLIENT;
      case 2:
        return Kind.SERVER;
      case 3:
        return Kind.PRODUCER;
      case 4:
        return Kind.CONSUMER;
      default:
        return Kind.UNSPECIFIED;
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
