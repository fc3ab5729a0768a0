package dev.traceyard.collector.receiver.kafka;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Decides, from a consumer's answers, whether it has had a working connection to Kafka lately. The
 * Kafka consumer never reports brokers it cannot reach, nor a listener that drops it because it
 * speaks the wrong security protocol: it reconnects quietly forever. So the loop feeds this watch
 * a count that grows with every answer a broker gave (see {@link PartitionedConsumerLoop}) and the
 * number of open connections, and acts on its verdicts.
 *
 * <p>An outage starts when the count has not grown for {@code threshold} while no connection is
 * open (or for {@link #OPEN_GRACE} thresholds while one is); it is reported once per further
 * {@code threshold} it lasts ({@link Verdict#FAILING}), so a counter of the reports keeps rising during
 * an outage and stops when it ends. The first answer after
 * a reported outage gives {@link Verdict#RECOVERED} once. Not thread-safe: used by the loop's thread.
 */
final class ConnectionWatch {
  /** What the caller should do after a {@link #check}. */
  enum Verdict {
    /** Nothing to report. */
    FINE,
    /** Another {@code threshold} without an answer: count it (and log, rate-limited). */
    FAILING,
    /** The first answer after a reported outage: log it once. */
    RECOVERED
  }

  /**
   * How many thresholds an open connection without any answer may defer an outage: a join can wait
   * for the group's other members, but a connection that stays silent longer (say to a server that
   * is not Kafka and never answers) is no working connection either.
   */
  static final int OPEN_GRACE = 4;
  /** Longest time between two feedings of a watch (and, for a blocking call made in slices, a slice). */
  private static final Duration FEED_EVERY_MAX = Duration.ofSeconds(1);

  /** What a client's metrics say: its answer count, its open connections, and whether it has those metrics. */
  record Reading(double answers, double openConnections, boolean found) {}

  private final long thresholdNanos;
  private double lastAnswers;
  private long lastAnswerAt;
  /** When the next {@link Verdict#FAILING} is due, if no answer comes. */
  private long nextReportAt;
  private boolean failing;
  private boolean authenticationFailed;

  /**
   * @param threshold how long without any answer counts as no working connection
   * @param now {@link System#nanoTime()} when the consumer was created: the start counts as an answer
   */
  ConnectionWatch(Duration threshold, long now) {
    if (threshold.isNegative() || threshold.isZero()) {
      throw new IllegalArgumentException("threshold must be positive: " + threshold);
    }
    this.thresholdNanos = threshold.toNanos();
    this.lastAnswerAt = now;
    this.nextReportAt = now + thresholdNanos;
  }

  /**
   * @param answers a count that never shrinks and grows whenever a broker answers this consumer
   * @param openConnections connections the client holds open now; while one is open (a join can wait
   *     for the group's other members) an outage starts only after {@link #OPEN_GRACE} thresholds
   * @param now {@link System#nanoTime()}
   */
  Verdict check(double answers, double openConnections, long now) {
    if (answers != lastAnswers) {
      lastAnswers = answers;
      lastAnswerAt = now;
      nextReportAt = now + thresholdNanos;
      authenticationFailed = false;
      if (failing) {
        failing = false;
        return Verdict.RECOVERED;
      }
      return Verdict.FINE;
    }
    if (now - nextReportAt < 0) {
      return Verdict.FINE;
    }
    if (openConnections > 0 && !failing && now - lastAnswerAt < OPEN_GRACE * thresholdNanos) {
      // Connected but waiting: not an outage (yet). Checked again at the next call.
      return Verdict.FINE;
    }
    failing = true;
    nextReportAt = now + thresholdNanos;
    return Verdict.FAILING;
  }

  /**
   * Restarts the clock without ending an outage: for a client that asks the brokers nothing between
   * bursts of work (the gateway's decisions reader), silence while idle is no outage. Silence from
   * {@code now} on counts again; an outage already reported stays reported until the next answer,
   * which then gives {@link Verdict#RECOVERED}.
   */
  void resume(long now) {
    lastAnswerAt = now;
    nextReportAt = now + thresholdNanos;
  }

  /** Notes that a broker refused this client's SASL or TLS settings: that, not the connection, is the problem. */
  void authenticationFailed() {
    authenticationFailed = true;
  }

  /**
   * Whether a broker refused this client's SASL or TLS settings since the last answer: then the
   * authentication failure has been logged with the settings to fix, and an outage report would only
   * repeat it less precisely.
   */
  boolean authenticationFailedSinceLastAnswer() {
    return authenticationFailed;
  }

  /** How long no broker has answered, as of {@code now}. */
  Duration silentFor(long now) {
    return Duration.ofNanos(Math.max(0, now - lastAnswerAt));
  }

  /**
   * Sums the client's metrics named in {@code answerMetrics} (metric group -> names) and reads its
   * open connections ({@code connection-count} of {@code consumer-metrics}); {@code found} is false
   * when the client has none of the answer metrics (another client version).
   */
  static Reading read(Map<MetricName, ? extends Metric> metrics, Map<String, Set<String>> answerMetrics) {
    double answers = 0;
    double open = 0;
    boolean found = false;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName name = e.getKey();
      Set<String> names = answerMetrics.get(name.group());
      if (names != null && names.contains(name.name())) {
        found = true;
        answers += number(e.getValue());
      } else if (name.group().equals("consumer-metrics") && name.name().equals("connection-count")) {
        open = number(e.getValue());
      }
    }
    return new Reading(answers, open, found);
  }

  private static double number(Metric m) {
    Object v = m.metricValue();
    return v instanceof Number n && !Double.isNaN(n.doubleValue()) ? n.doubleValue() : 0;
  }

  /** How often to feed a watch whose threshold is {@code threshold}: a quarter of it, at most a second. */
  static Duration feedEvery(Duration threshold) {
    Duration quarter = threshold.dividedBy(4);
    return quarter.compareTo(FEED_EVERY_MAX) < 0 ? quarter : FEED_EVERY_MAX;
  }

  /** A silence as logged, e.g. {@code 12.5s}. */
  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
