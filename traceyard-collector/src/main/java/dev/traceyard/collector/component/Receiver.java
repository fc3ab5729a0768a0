package dev.traceyard.collector.component;

import java.net.InetSocketAddress;
import java.util.Map;

/** Takes telemetry from outside and hands it to its pipelines' consumer. */
public interface Receiver extends Component {

  /**
   * Addresses the receiver listens on after start, keyed by transport ({@code grpc}, {@code http}).
   * Lets tests and tools bind port 0 and find the port.
   */
  default Map<String, InetSocketAddress> boundAddresses() {
    return Map.of();
  }
}
