package dev.traceyard.collector.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.traceyard.collector.otlp.OtlpJson;
import dev.traceyard.collector.testing.OtlpInvariants;
import java.nio.charset.StandardCharsets;

/**
 * The contract of the OTLP receive path, checked on every fuzz input: {@link SignalCodec#decode}
 * either returns a request within the limits, or refuses with {@link InvalidRequestException} and a
 * message for the client. Nothing else may come out: no NullPointerException, no StackOverflowError,
 * no OutOfMemoryError. What it accepts must also survive the exporters that re-encode received data
 * as OTLP/JSON (file, debug, otlphttp with {@code encoding: json}).
 */
final class OtlpFuzzContracts {
  private OtlpFuzzContracts() {}

  static <Q extends Message> void protobuf(SignalCodec<Q, ?> codec, byte[] body) {
    Q request = decodeOrNull(codec, body, false);
    if (request == null) {
      return;
    }
    OtlpInvariants.assertWithinLimits(request);
    // Protobuf keeps unknown fields, JSON drops them: compare the JSON forms.
    Q back = reDecode(codec, OtlpJson.encode(request));
    assertThat(OtlpJson.encode(back)).isEqualTo(OtlpJson.encode(OtlpInvariants.withoutNegativeZeros(request)));
  }

  static <Q extends Message> void json(SignalCodec<Q, ?> codec, byte[] body) {
    Q request = decodeOrNull(codec, body, true);
    if (request == null) {
      return;
    }
    OtlpInvariants.assertWithinLimits(request);
    Q back = reDecode(codec, OtlpJson.encode(request));
    assertThat(back).isEqualTo(OtlpInvariants.withoutNegativeZeros(request));
  }

  private static <Q extends Message> Q decodeOrNull(SignalCodec<Q, ?> codec, byte[] body, boolean json) {
    try {
      return codec.decode(body, json);
    } catch (InvalidRequestException e) {
      assertThat(e.getMessage()).as("refusal message").isNotBlank();
      assertThat(e.itemCount()).isNotNegative();
      return null;
    }
  }

  private static <Q extends Message> Q reDecode(SignalCodec<Q, ?> codec, String json) {
    try {
      return codec.decode(json.getBytes(StandardCharsets.UTF_8), true);
    } catch (InvalidRequestException e) {
      throw new AssertionError("an accepted request, re-encoded as OTLP/JSON, is refused: " + e.getMessage()
          + "\n" + json, e);
    }
  }
}
