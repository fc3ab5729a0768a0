/**
 * The {@code otlp} receiver: OTLP over gRPC and HTTP, configured like the OpenTelemetry Collector's
 * otlpreceiver. Only the protocols listed under {@code protocols} start, each on its own Armeria server.
 *
 * <pre>
 * receivers:
 *   otlp:
 *     protocols:
 *       grpc:
 *         endpoint: localhost:4317          # host:port; port 0 picks a free port
 *         transport: tcp                    # the only transport supported
 *         max_recv_msg_size_mib: 4          # per message, after decompression
 *         max_concurrent_streams: 0         # per HTTP/2 connection; 0 = no limit
 *         keepalive:
 *           server_parameters:
 *             max_connection_idle: 15s      # unset: 15s (Armeria's default), or no limit when only time is set
 *             max_connection_age: 0s        # unset or 0 = no limit
 *             time: 2h                      # HTTP/2 PING interval on idle connections; unset = no PINGs
 *       http:
 *         endpoint: localhost:4318
 *         max_request_body_size: 20971520   # bytes, on the wire and after decompression
 *         traces_url_path: /v1/traces
 *         metrics_url_path: /v1/metrics
 *         logs_url_path: /v1/logs
 *         cors:                             # enabled when allowed_origins is not empty
 *           allowed_origins: [https://*.example.com]   # '*' wildcards; a lone '*' allows any origin
 *           allowed_headers: [X-Tenant]     # added to Accept, Content-Type, Content-Encoding, X-Requested-With; '*' = any
 *           max_age: 7200                   # seconds browsers may cache a preflight; 0 = not sent
 * </pre>
 *
 * <p>Accepted for compatibility with otelcol configs but not applied, because Armeria has no equivalent:
 * {@code keepalive.server_parameters.max_connection_age_grace}, {@code keepalive.server_parameters.timeout}
 * and {@code keepalive.enforcement_policy.*} (values are still validated). When
 * {@code time} is not shorter than {@code max_connection_idle}, no PINGs are sent (the idle timeout
 * closes the connection first). Not supported yet (rejected as unknown keys): {@code tls}, {@code auth},
 * {@code include_metadata}, {@code response_headers}.
 *
 * <p>Behaviour, as otelcol: a signal without a pipeline is UNIMPLEMENTED (gRPC) or 404 (HTTP).
 * HTTP takes {@code POST} of {@code application/x-protobuf} or {@code application/json} (OTLP/JSON, hex
 * ids), identity or gzip encoded, and answers in the request's content type. Pipeline outcomes map to
 * OK/200 (with partial success), UNAVAILABLE/503 and RESOURCE_EXHAUSTED/429 (both with RetryInfo or
 * Retry-After), INVALID_ARGUMENT/400. Undecodable payloads are INVALID_ARGUMENT/400, oversized ones
 * RESOURCE_EXHAUSTED/413, other content types or encodings 415 (otelcol answers an unknown
 * Content-Encoding with 400). Every refused request is counted in
 * {@code traceyard_receiver_refused_requests{receiver,transport,reason}}.
 */
package dev.traceyard.collector.receiver.otlp;
