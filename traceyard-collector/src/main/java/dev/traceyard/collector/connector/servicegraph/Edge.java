package dev.traceyard.collector.connector.servicegraph;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request between two nodes, built from its client span (CLIENT or PRODUCER) and its server span
 * (SERVER or CONSUMER, whose parent is the client span), which may arrive in either order and in
 * different batches. Guarded by the connector's lock.
 */
final class Edge {
  /** How the two nodes talk, as otelcol's {@code connection_type} label. */
  enum ConnectionType {
    UNSET(""),
    MESSAGING_SYSTEM("messaging_system"),
    DATABASE("database"),
    VIRTUAL_NODE("virtual_node");

    final String label;

    ConnectionType(String label) {
      this.label = label;
    }
  }

  /** Pairs halves: the client span's id is the server span's parent id. */
  record Key(ByteString traceId, ByteString spanId) {}

  final long expiresAtNanos;
  /** The server span had no parent: its caller, if any, is outside the traces (a user). */
  boolean serverIsRoot;
  String client;
  String server;
  ConnectionType connectionType = ConnectionType.UNSET;
  boolean failed;
  double clientSeconds = Double.NaN;
  double serverSeconds = Double.NaN;
  /** First {@code virtual_node_peer_attributes} value of the client span: the server if it never shows. */
  String peer;
  /** {@code client_<dim>} and {@code server_<dim>} values. */
  final Map<String, String> dimensions = new LinkedHashMap<>(4);
  /** {@code virtual_node} label value: "client", "server" or "". */
  String virtualSide = "";

  Edge(long expiresAtNanos) {
    this.expiresAtNanos = expiresAtNanos;
  }

  boolean hasClient() {
    return client != null;
  }

  boolean hasServer() {
    return server != null;
  }
}
