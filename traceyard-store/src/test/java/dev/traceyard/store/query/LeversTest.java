package dev.traceyard.store.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeversTest {
  private static final List<QualityCost.SpanNameCost> NO_NAMES = List.of();
  private static final List<QualityCost.AttributeCost> NO_KEYS = List.of();

  private static QualityCost.SpanNameCost name(String n, long spans, double perTrace) {
    return new QualityCost.SpanNameCost(n, spans, 0, 0, 0, 0, perTrace, 0, 0);
  }

  @Test
  void aSmallShareOfTheBytes_needsNoLever() {
    QualityCost.Lever l = Levers.choose(1000, 900, 10, 100, 100, 1, 0.04, 3, NO_NAMES, NO_KEYS);
    assertThat(l.name()).isEqualTo(Levers.NONE);
    assertThat(l.reason()).contains("4%");
  }

  @Test
  void theOnlyService_isJudgedWhateverItsShare() {
    assertThat(Levers.choose(1000, 100, 10, 2, 100, 1, 1.0, 1, NO_NAMES, NO_KEYS).name())
        .isEqualTo(Levers.LOWER_SAMPLE_RATE);
  }

  @Test
  void heavyAttributes_pointToTrimming_beforeSpanCounts() {
    assertThat(Levers.choose(1000, 500, 10, 200, 100, 1, 0.5, 2, NO_NAMES, NO_KEYS).name())
        .isEqualTo(Levers.TRIM_ATTRIBUTES);
    // One key of a quarter of the bytes is enough even when attributes overall are light.
    QualityCost.Lever l = Levers.choose(1000, 300, 10, 2, 100, 1, 0.5, 2, NO_NAMES,
        List.of(new QualityCost.AttributeCost("db.statement", 250, 10, 0.25)));
    assertThat(l.name()).isEqualTo(Levers.TRIM_ATTRIBUTES);
    assertThat(l.reason()).contains("db.statement is 25%");
  }

  @Test
  void manySpansPerTrace_orOneNameRepeatedInEveryTrace_pointToInstrumentingLess() {
    assertThat(Levers.choose(1000, 100, 500, 50, 2, 1, 0.5, 2, NO_NAMES, NO_KEYS).name())
        .isEqualTo(Levers.INSTRUMENT_LESS);
    QualityCost.Lever loop = Levers.choose(1000, 100, 100, 20, 10, 1, 0.5, 2,
        List.of(name("SELECT", 60, 12), name("GET /", 40, 8)), NO_KEYS);
    assertThat(loop.name()).isEqualTo(Levers.INSTRUMENT_LESS);
    assertThat(loop.reason()).contains("SELECT is 60% of its spans (12 per trace)");
    // A dominant name that occurs a few times per trace is not a loop.
    assertThat(Levers.choose(1000, 100, 100, 5, 10, 1, 0.5, 2, List.of(name("GET /", 60, 3)), NO_KEYS).name())
        .isEqualTo(Levers.LOWER_SAMPLE_RATE);
  }

  @Test
  void leanTraces_pointToTheSampleRate() {
    QualityCost.Lever l = Levers.choose(1000, 200, 10, 5, 200, 42, 0.5, 2, NO_NAMES, NO_KEYS);
    assertThat(l.name()).isEqualTo(Levers.LOWER_SAMPLE_RATE);
    assertThat(l.reason()).contains("42 traces/s");
  }
}
