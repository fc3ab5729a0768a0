package dev.traceyard.collector.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A listen address written {@code host:port} as in otelcol ({@code localhost:4317}, {@code 0.0.0.0:4318}, {@code :8888}, {@code [::1]:4317}). */
public final class HostPort {
  private final String host;
  private final int port;

  private HostPort(String host, int port) {
    this.host = host;
    this.port = port;
  }

  public static HostPort of(String host, int port) {
    return new HostPort(Objects.requireNonNull(host, "host"), port);
  }

  /**
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static HostPort parse(String text) {
    String s = text.trim();
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("invalid endpoint '" + text + "': expected host:port, e.g. localhost:4317");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "0.0.0.0";
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid endpoint '" + text + "': the port must be a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("invalid endpoint '" + text + "': the port must be between 0 and 65535");
    }
    return new HostPort(host, port);
  }

  /** Reads an endpoint key of a node, recording a config error and returning the default when invalid. */
  public static HostPort read(ConfigNode node, String key, HostPort defaultValue) {
    String s = node.string(key, null);
    if (s == null) {
      return defaultValue;
    }
    try {
      return parse(s);
    } catch (IllegalArgumentException e) {
      node.error(key, e.getMessage());
      return defaultValue;
    }
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** Resolves the host; call at start time, not at config time. */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostPort && ((HostPort) o).host.equals(host) && ((HostPort) o).port == port;
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + port;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
