package dev.traceyard.collector.receiver.otlp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.traceyard.collector.testing.FuzzBudget;

/**
 * Fuzzes OTLP protobuf request bodies through the receiver's decoder (OTLP/HTTP protobuf; OTLP/gRPC
 * parses with the same protobuf parser and applies the same limits). Seeds: {@code
 * src/test/resources/dev/traceyard/collector/receiver/otlp/OtlpProtobufFuzzTestInputs/<method>/}.
 */
class OtlpProtobufFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void traces(byte[] body) {
    OtlpFuzzContracts.protobuf(SignalCodec.TRACES, body);
  }

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void metrics(byte[] body) {
    OtlpFuzzContracts.protobuf(SignalCodec.METRICS, body);
  }

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void logs(byte[] body) {
    OtlpFuzzContracts.protobuf(SignalCodec.LOGS, body);
  }
}
