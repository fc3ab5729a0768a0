package dev.traceyard.server.loadgen;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Validated loadgen options.
 *
 * @param duration null when only {@code maxTraces} bounds the run
 * @param maxTraces 0 when only {@code duration} bounds the run
 * @param rate spans per second over all workers, 0 for as fast as possible
 */
record LoadgenSettings(
    Protocol protocol,
    URI endpoint,
    double rate,
    Duration duration,
    long maxTraces,
    int workers,
    int spansPerTrace,
    int attributes,
    double errorRatio,
    double slowRatio,
    int batchSize,
    Map<String, String> headers,
    Duration timeout,
    long seed) {}
