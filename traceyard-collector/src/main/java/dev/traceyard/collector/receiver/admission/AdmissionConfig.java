package dev.traceyard.collector.receiver.admission;

import dev.traceyard.collector.config.ConfigNode;

/**
 * A receiver's {@code admission} section, named as in otelcol's otelarrow receiver:
 *
 * <pre>
 * admission:
 *   request_limit_mib: 64   # request bytes in flight (read, being decoded or consumed); 0 = no limit
 * </pre>
 *
 * Unlike otelarrow's, requests over the limit are refused at once with a retryable status instead
 * of waiting ({@code waiting_limit_mib} is therefore not accepted): a waiting request still holds its
 * connection and, for HTTP/1, its body in the socket buffers.
 *
 * @param requestLimitBytes the in-flight byte limit, 0 when admission control is off
 */
public record AdmissionConfig(long requestLimitBytes) {
  public static final AdmissionConfig DISABLED = new AdmissionConfig(0);
  /** Keeps the byte count far from overflow; 1 TiB is beyond any heap this runs in. */
  private static final long MAX_LIMIT_MIB = 1L << 20;

  public AdmissionConfig {
    if (requestLimitBytes < 0) {
      throw new IllegalArgumentException("requestLimitBytes must not be negative");
    }
  }

  public boolean enabled() {
    return requestLimitBytes > 0;
  }

  /** Reads {@code admission} under a receiver's (or protocol's) node; absent: disabled. Errors go to the node. */
  public static AdmissionConfig parse(ConfigNode parent) {
    if (!parent.isSet("admission")) {
      return DISABLED;
    }
    ConfigNode n = parent.child("admission");
    long mib = n.longInRange("request_limit_mib", 0, 0, MAX_LIMIT_MIB);
    return mib == 0 ? DISABLED : new AdmissionConfig(mib * 1024 * 1024);
  }
}
