package dev.traceyard.store.query;

import java.util.List;
import java.util.Locale;

/**
 * Which of the three cost levers a service's numbers point to. A service's stored bytes are
 * traces x spans per trace x bytes per span, and each factor has its own lever: lower the sample
 * rate, instrument less, trim attributes. The rule (documented in docs/ui.md) checks the cheapest
 * fix first: trimming attributes loses the least information, dropping spans loses detail inside
 * every trace, sampling loses whole traces.
 */
public final class Levers {
  /** Below this share of every service's bytes, a service is not worth acting on. */
  static final double MIN_SHARE = 0.05;
  /** Attributes at least this share of the span bytes: trim attributes. */
  static final double ATTRIBUTE_SHARE = 0.5;
  /** One attribute key at least this share of the bytes: trim that key. */
  static final double KEY_SHARE = 0.25;
  /** At least this many spans per trace: instrument less. */
  static final double SPANS_PER_TRACE = 50;
  /** One span name at least this share of the spans, and at least {@link #NAME_PER_TRACE} per trace: a loop. */
  static final double NAME_SHARE = 0.5;
  static final double NAME_PER_TRACE = 10;

  public static final String NONE = "none";
  public static final String TRIM_ATTRIBUTES = "trim_attributes";
  public static final String INSTRUMENT_LESS = "instrument_less";
  public static final String LOWER_SAMPLE_RATE = "lower_sample_rate";

  private Levers() {}

  /**
   * @param spanNames the service's span names, biggest first; {@code attributes} heaviest first
   * @param services how many services reported cost (with one, the share rule does not apply)
   */
  static QualityCost.Lever choose(long bytes, long attributeBytes, long spans, double spansPerTrace,
      double bytesPerSpan, double tracesPerSecond, double share, int services, List<QualityCost.SpanNameCost> spanNames,
      List<QualityCost.AttributeCost> attributes) {
    if (bytes <= 0 || spans <= 0) {
      return new QualityCost.Lever(NONE, "no spans reported");
    }
    if (services > 1 && share < MIN_SHARE) {
      return new QualityCost.Lever(NONE, "stores " + pct(share) + " of the bytes (under " + pct(MIN_SHARE) + ")");
    }
    double attrShare = (double) attributeBytes / bytes;
    QualityCost.AttributeCost heaviest = attributes.isEmpty() ? null : attributes.get(0);
    if (attrShare >= ATTRIBUTE_SHARE || (heaviest != null && heaviest.share() >= KEY_SHARE)) {
      String why = "attributes are " + pct(attrShare) + " of its span bytes";
      if (heaviest != null) {
        why += "; heaviest key " + heaviest.key() + " is " + pct(heaviest.share());
      }
      return new QualityCost.Lever(TRIM_ATTRIBUTES, why);
    }
    QualityCost.SpanNameCost loop = null;
    for (QualityCost.SpanNameCost n : spanNames) {
      if ((double) n.spans() / spans >= NAME_SHARE && n.spansPerTrace() >= NAME_PER_TRACE) {
        loop = n;
        break;
      }
    }
    if (spansPerTrace >= SPANS_PER_TRACE || loop != null) {
      String why = fmt(spansPerTrace) + " spans per trace";
      if (loop != null) {
        why += "; " + loop.name() + " is " + pct((double) loop.spans() / spans) + " of its spans ("
            + fmt(loop.spansPerTrace()) + " per trace)";
      }
      return new QualityCost.Lever(INSTRUMENT_LESS, why);
    }
    return new QualityCost.Lever(LOWER_SAMPLE_RATE, "lean traces (" + fmt(spansPerTrace) + " spans of "
        + Math.round(bytesPerSpan) + " B): the bytes come from " + fmt(tracesPerSecond) + " traces/s");
  }

  private static String pct(double x) {
    return String.format(Locale.ROOT, "%.0f%%", x * 100);
  }

  private static String fmt(double x) {
    return x >= 10 ? String.valueOf(Math.round(x)) : String.format(Locale.ROOT, "%.1f", x);
  }
}
