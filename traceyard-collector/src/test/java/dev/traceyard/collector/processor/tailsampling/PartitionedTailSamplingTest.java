package dev.traceyard.collector.processor.tailsampling;

import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.request;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.resourceSpans;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.span;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.traceId;
import static dev.traceyard.collector.processor.tailsampling.policy.TestSpans.withStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.component.ComponentKind;
import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.config.ConfigErrors;
import dev.traceyard.collector.config.ConfigNode;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.tailsampling.TailSamplingProcessorTest.Recorder;
import dev.traceyard.collector.processor.tailsampling.policy.TraceIds;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Kafka gateway mode of tail sampling on a manual clock: commit gating, decision records, replay dedupe. */
class PartitionedTailSamplingTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String KEEP_ERRORS =
      "decision_wait: 10s\npolicies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]\n";

  private final SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  private final Recorder downstream = new Recorder();
  private final Log log = new Log();
  private final TailSamplingProcessor p = new TailSamplingProcessor(
      new ComponentSettings(ComponentId.of("tail_sampling"), ComponentKind.PROCESSOR, telemetry), config(),
      downstream, clock::get, log);

  @AfterEach
  void stop() {
    p.shutdown();
  }

  @Test
  void commitsStopAtTheOldestUndecidedTraceUntilItsDecisionIsStored() {
    ByteString kept = traceId(1, 1);
    ByteString dropped = traceId(2, 2);
    p.assigned(0, List.of());
    assertThat(p.consume(batch(span(kept, 1)), 0, 5).isSuccess()).isTrue();
    assertThat(p.consume(batch(span(dropped, 1)), 0, 6).isSuccess()).isTrue();
    assertThat(p.consume(batch(error(span(kept, 2))), 0, 7).isSuccess()).isTrue();
    assertThat(p.committable(0, 8)).isEqualTo(5);
    assertThat(p.committable(1, 8)).as("another partition is not held").isEqualTo(8);

    clock.addAndGet(11_000_000_000L);
    p.tick();
    assertThat(downstream.spans()).hasSize(2);
    assertThat(log.writes).hasSize(2);
    // Exported, but the decisions are not stored yet: a crash now must replay both traces.
    assertThat(p.committable(0, 8)).isEqualTo(5);
    Write keptWrite = log.find(kept);
    assertThat(keptWrite.record.sampled()).isTrue();
    assertThat(keptWrite.record.policy()).isEqualTo("errors");
    assertThat(keptWrite.record.exportedOffset()).isEqualTo(7);
    keptWrite.onDurable.run();
    assertThat(p.committable(0, 8)).as("the dropped trace's decision is still in flight").isEqualTo(6);
    Write droppedWrite = log.find(dropped);
    assertThat(droppedWrite.record.sampled()).isFalse();
    droppedWrite.onDurable.run();
    assertThat(p.committable(0, 8)).isEqualTo(8);
  }

  @Test
  void replayedSpansAtOrBelowTheExportedOffsetAreDroppedAndLaterOnesFollowTheStoredDecision() {
    ByteString kept = traceId(3, 3);
    ByteString dropped = traceId(4, 4);
    p.assigned(0, List.of(record(kept, true, "errors", 20), record(dropped, false, "", 21)));
    p.consume(batch(span(kept, 1), span(kept, 2)), 0, 20);
    p.consume(batch(error(span(dropped, 3))), 0, 21);
    p.consume(batch(span(kept, 4)), 0, 22);
    p.tick();
    assertThat(downstream.spans()).extracting(s -> s.getSpanId()).containsExactly(
        dev.traceyard.collector.processor.tailsampling.policy.TestSpans.spanId(4));
    assertThat(telemetry.value(TailSamplingMetrics.REPLAY_DUPLICATES, "tail_sampling")).isEqualTo(2);
    assertThat(p.undecidedTracesForTest()).isZero();
    // The late kept span holds its offset until its updated decision is stored.
    assertThat(p.committable(0, 23)).isEqualTo(22);
    Write w = log.find(kept);
    assertThat(w.record.exportedOffset()).isEqualTo(22);
    w.onDurable.run();
    assertThat(p.committable(0, 23)).isEqualTo(23);
  }

  @Test
  void revokedPartitionsLetTheirUndecidedTracesGoButKeepTheirOffsetsHeldForTheLastCommit() {
    ByteString a = traceId(5, 5);
    ByteString b = traceId(6, 6);
    p.assigned(0, List.of());
    p.assigned(1, List.of());
    p.consume(batch(error(span(a, 1))), 0, 3);
    p.consume(batch(error(span(b, 1))), 1, 9);
    p.revoked(List.of(0));
    assertThat(p.committable(0, 4)).as("the next owner replays from the undecided trace").isEqualTo(3);
    assertThat(telemetry.value(TailSamplingMetrics.HANDED_OVER, "tail_sampling")).isEqualTo(1);
    clock.addAndGet(11_000_000_000L);
    p.tick();
    assertThat(downstream.spans()).hasSize(1);
    assertThat(log.writes).extracting(w -> w.partition).containsExactly(1);
    // Assigned again (say after a rebalance): a fresh start from the committed offset.
    p.assigned(0, List.of());
    assertThat(p.committable(0, 4)).isEqualTo(4);
  }

  @Test
  void decisionRecordsRoundTripAndRefuseForeignBytes() {
    DecisionRecord r = new DecisionRecord(-7, 42, true, "errors \u2713", 1234567, 99);
    assertThat(DecisionRecord.decode(r.key(), r.value())).isEqualTo(r);
    assertThatThrownBy(() -> DecisionRecord.decode(new byte[3], r.value())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a decision record");
    byte[] v = r.value();
    v[0] = 9;
    assertThatThrownBy(() -> DecisionRecord.decode(r.key(), v)).hasMessageContaining("version 9");
  }

  private static DecisionRecord record(ByteString id, boolean sampled, String policy, long offset) {
    return new DecisionRecord(TraceIds.high(id), TraceIds.low(id), sampled, policy, 0, offset);
  }

  private static TraceBatch batch(io.opentelemetry.proto.trace.v1.Span.Builder... spans) {
    return TraceBatch.of(request(resourceSpans(spans)));
  }

  private static io.opentelemetry.proto.trace.v1.Span.Builder error(io.opentelemetry.proto.trace.v1.Span.Builder b) {
    return withStatus(b, Status.StatusCode.STATUS_CODE_ERROR);
  }

  private static TailSamplingConfig config() {
    try {
      ConfigErrors errors = new ConfigErrors();
      ConfigNode node = ConfigNode.ofMap((ObjectNode) YAML.readTree(KEEP_ERRORS), "tail_sampling", errors);
      TailSamplingConfig c = new TailSamplingProcessorFactory().parseConfig(node);
      assertThat(errors.list()).isEmpty();
      return c;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  record Write(int partition, DecisionRecord record, Runnable onDurable) {}

  /** A decision log that stores nothing until the test runs a write's callback. */
  static final class Log implements DecisionLog {
    final List<Write> writes = new ArrayList<>();

    @Override
    public synchronized void write(int partition, DecisionRecord record, Runnable onDurable) {
      writes.add(new Write(partition, record, onDurable));
    }

    @Override
    public void flush() {}

    synchronized Write find(ByteString traceId) {
      Write found = null;
      for (Write w : writes) {
        if (w.record.traceIdHigh() == TraceIds.high(traceId) && w.record.traceIdLow() == TraceIds.low(traceId)) {
          found = w;
        }
      }
      assertThat(found).as("a decision for the trace").isNotNull();
      return found;
    }
  }
}
