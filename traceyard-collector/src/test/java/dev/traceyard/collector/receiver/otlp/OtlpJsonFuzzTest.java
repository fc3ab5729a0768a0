package dev.traceyard.collector.receiver.otlp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.traceyard.collector.testing.FuzzBudget;

/**
 * Fuzzes OTLP/JSON request bodies through the receiver's decoder ({@code OtlpJson} plus the limits),
 * and checks that whatever it accepts round-trips through {@code OtlpJson.encode}. Seeds: {@code
 * src/test/resources/dev/traceyard/collector/receiver/otlp/OtlpJsonFuzzTestInputs/<method>/}.
 */
class OtlpJsonFuzzTest {

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void traces(byte[] body) {
    OtlpFuzzContracts.json(SignalCodec.TRACES, body);
  }

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void metrics(byte[] body) {
    OtlpFuzzContracts.json(SignalCodec.METRICS, body);
  }

  @FuzzTest(maxDuration = FuzzBudget.PER_TARGET)
  void logs(byte[] body) {
    OtlpFuzzContracts.json(SignalCodec.LOGS, body);
  }
}
