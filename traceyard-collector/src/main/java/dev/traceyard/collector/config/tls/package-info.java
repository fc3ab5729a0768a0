/**
 * TLS settings shared by receivers ({@link dev.traceyard.collector.config.tls.TlsServerSettings}) and
 * exporters ({@link dev.traceyard.collector.config.tls.TlsClientSettings}), with the keys of the
 * OpenTelemetry Collector's configtls. Parsing validates at config time (cert and key together, one
 * of {@code *_file}/{@code *_pem}, versions); {@link dev.traceyard.collector.config.tls.ServerTls} and
 * {@link dev.traceyard.collector.config.tls.ClientTls} read the files at start and fail with the key
 * and file named. Inline PEM never appears in {@code toString()}.
 */
package dev.traceyard.collector.config.tls;
