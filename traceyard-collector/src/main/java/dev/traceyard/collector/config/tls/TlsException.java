package dev.traceyard.collector.config.tls;

/**
 * TLS material could not be loaded at start: the message names the config key and the file, e.g.
 * {@code receivers.otlp.protocols.grpc.tls.cert_file: cannot read /x.pem: no such file}.
 */
public final class TlsException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  TlsException(String message) {
    super(message);
  }

  TlsException(String message, Throwable cause) {
    super(message, cause);
  }
}
