package dev.traceyard.collector.receiver.otlp;

/** Why a request was refused: the {@code reason} label of {@code traceyard_receiver_refused_requests}. */
enum RefusalReason {
  /** The payload could not be decoded (bad protobuf, bad JSON, bad id, corrupt gzip). */
  MALFORMED("malformed"),
  /** The body (or its decompressed form, or a gRPC message) is over the configured limit. */
  TOO_LARGE("too_large"),
  /** A content type or content encoding this receiver does not speak. */
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type"),
  /**
   * Refused before decoding because the transport's request bytes in flight would pass
   * {@code admission.request_limit_mib} (retryable: RESOURCE_EXHAUSTED with RetryInfo, HTTP 429).
   */
  ADMISSION_LIMIT("admission_limit"),
  /** Decoded fine but the pipeline refused it (retryable, throttled or permanent). */
  REFUSED("refused"),
  /** No OTLP endpoint at that path (or the signal has no pipeline). */
  NOT_FOUND("not_found"),
  /** Anything but POST on an OTLP/HTTP path. */
  METHOD_NOT_ALLOWED("method_not_allowed"),
  /** The {@code auth.authenticator} did not accept the request's credentials. */
  UNAUTHENTICATED("unauthenticated"),
  /**
   * A TLS handshake failed (plain text on a TLS port, no or untrusted client certificate, no common
   * version): counts connections rather than requests, since no request could be read.
   */
  TLS_HANDSHAKE("tls_handshake");

  private final String label;

  RefusalReason(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
