package dev.traceyard.server.loadgen;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** OTLP transports the generator can speak, named as {@code OTEL_EXPORTER_OTLP_PROTOCOL} names them. */
enum Protocol {
  GRPC("grpc", 4317),
  HTTP_PROTOBUF("http/protobuf", 4318),
  HTTP_JSON("http/json", 4318);

  private final String cliName;
  private final int defaultPort;

  Protocol(String cliName, int defaultPort) {
    this.cliName = cliName;
    this.defaultPort = defaultPort;
  }

  String cliName() {
    return cliName;
  }

  int defaultPort() {
    return defaultPort;
  }

  static Optional<Protocol> fromCliName(String name) {
    return Arrays.stream(values()).filter(p -> p.cliName.equals(name)).findFirst();
  }

  static String names() {
    return Arrays.stream(values()).map(Protocol::cliName).collect(Collectors.joining(", "));
  }
}
