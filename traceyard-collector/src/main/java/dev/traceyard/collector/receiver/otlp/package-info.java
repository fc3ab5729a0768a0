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
 *         tls:                              # absent: plain text; present: TLS only on this port
 *           cert_file: server.pem           # or cert_pem; required, with key_file / key_pem
 *           key_file: server-key.pem        # PKCS#8, PKCS#1 RSA or SEC1 EC; unencrypted
 *           client_ca_file: ca.pem          # set: clients must present a certificate it signed (mTLS)
 *           min_version: "1.2"              # or "1.3"; max_version too
 *         auth:
 *           authenticator: bearertokenauth  # an extension listed in service.extensions (or basicauth/...)
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
 *         tls: ...                          # as for grpc
 *         auth: ...                         # as for grpc
 * </pre>
 *
 * <p>Accepted for compatibility with otelcol configs but not applied, because Armeria has no equivalent:
 * {@code keepalive.server_parameters.max_connection_age_grace}, {@code keepalive.server_parameters.timeout}
 * and {@code keepalive.enforcement_policy.*} (values are still validated). When
 * {@code time} is not shorter than {@code max_connection_idle}, no PINGs are sent (the idle timeout
 * closes the connection first). Not supported yet (rejected as unknown keys): {@code include_metadata},
 * {@code response_headers}, {@code auth.request_params}.
 *
 * <p>Security: {@code tls} takes otelcol's configtls server keys (see
 * {@link dev.traceyard.collector.config.tls.TlsServerSettings}); certificate and key files are read
 * and checked at start, and a missing or wrong file fails the start naming the key and the file. As
 * in otelcol, {@code ca_file} does not make the server verify clients: {@code client_ca_file} does
 * (mTLS). Failed handshakes (plain text on a TLS port, missing or untrusted client certificate,
 * version mismatch) are counted as {@code reason=tls_handshake} and logged rate-limited.
 * {@code auth.authenticator} names a {@link dev.traceyard.collector.extension.auth.ServerAuthenticator}
 * extension ({@code bearertokenauth}, {@code basicauth}); a missing one fails the start. Requests it
 * refuses get UNAUTHENTICATED (gRPC) or 401 (HTTP, with {@code WWW-Authenticate}) before their body is
 * read, are counted as {@code reason=unauthenticated} and logged rate-limited, without credentials.
 * CORS preflight requests pass without credentials, as browsers send none.
 *
 * <p>Behaviour, as otelcol: a signal without a pipeline is UNIMPLEMENTED (gRPC) or 404 (HTTP).
 * HTTP takes {@code POST} of {@code application/x-protobuf} or {@code application/json} (OTLP/JSON, hex
 * ids), identity or gzip encoded, and answers in the request's content type. Pipeline outcomes map to
 * OK/200 (with partial success), UNAVAILABLE/503 and RESOURCE_EXHAUSTED/429 (both with RetryInfo or
 * Retry-After), INVALID_ARGUMENT/400. Undecodable payloads are INVALID_ARGUMENT/400, oversized ones
 * RESOURCE_EXHAUSTED/413, other content types or encodings 415 (otelcol answers an unknown
 * Content-Encoding with 400). Decoded requests, gRPC and HTTP alike, must respect
 * {@link dev.traceyard.collector.otlp.OtlpLimits} (id lengths, attribute counts, value sizes, nesting):
 * a request that does not is INVALID_ARGUMENT/400 with a message naming the field, counted as
 * {@code malformed}. Every refused request is counted in
 * {@code traceyard_receiver_refused_requests{receiver,transport,reason}}.
 */
package dev.traceyard.collector.receiver.otlp;
