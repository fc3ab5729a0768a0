package dev.traceyard.collector.receiver.otlp;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** gRPC answers written by hand, for requests refused before any gRPC service runs. */
final class GrpcResponses {
  private GrpcResponses() {}

  /** A trailers-only gRPC response: the status travels in the headers, as the gRPC spec allows. */
  static ResponseHeaders trailersOnly(MediaType contentType, io.grpc.Status.Code code, String message) {
    return ResponseHeaders.builder(HttpStatus.OK)
        .contentType(contentType)
        .add("grpc-status", Integer.toString(code.value()))
        .add("grpc-message", percentEncode(message))
        .endOfStream(true)
        .build();
  }

  /**
   * A trailers-only gRPC response carrying a full {@code google.rpc.Status}, details (e.g. RetryInfo)
   * included, in {@code grpc-status-details-bin} as gRPC clients read it.
   */
  static ResponseHeaders trailersOnly(MediaType contentType, com.google.rpc.Status status) {
    return ResponseHeaders.builder(HttpStatus.OK)
        .contentType(contentType)
        .add("grpc-status", Integer.toString(status.getCode()))
        .add("grpc-message", percentEncode(status.getMessage()))
        .add("grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray()))
        .endOfStream(true)
        .build();
  }

  /** grpc-message is percent-encoded UTF-8 outside printable ASCII (and for '%' itself). */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b < 0x7f && b != '%') {
        out.append((char) b);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
