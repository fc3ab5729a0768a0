package dev.traceyard.collector.receiver.zipkin;

import io.netty.util.NetUtil;

/**
 * Text forms of endpoint addresses, normalised the way Go's {@code net.IP.String()} prints them (so
 * attributes match what otelcol produces): dotted quads, RFC 5952 IPv6, IPv4-mapped IPv6 as a quad.
 * Never resolves names: only literals are parsed.
 */
final class IpAddresses {
  private IpAddresses() {}

  /** Formats a 4- or 16-byte address; null for any other length. */
  static String format(byte[] address) {
    if (address.length == 16 && isIpv4Mapped(address)) {
      return (address[12] & 0xff) + "." + (address[13] & 0xff) + "." + (address[14] & 0xff) + "." + (address[15] & 0xff);
    }
    if (address.length != 4 && address.length != 16) {
      return null;
    }
    return NetUtil.bytesToIpAddress(address);
  }

  /**
   * Normalises an address literal received as text. Text that is no IP literal is kept as sent:
   * it is the sender's data, and dropping it would lose information for no gain.
   */
  static String normalize(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (NetUtil.isValidIpV4Address(text)) {
      return text;
    }
    if (NetUtil.isValidIpV6Address(text)) {
      byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
      String formatted = bytes == null ? null : format(bytes);
      return formatted == null ? text : formatted;
    }
    return text;
  }

  private static boolean isIpv4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }
}
