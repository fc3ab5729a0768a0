package dev.traceyard.collector.config.tls;

/** The TLS versions Traceyard speaks; 1.0 and 1.1 are refused at config time (deprecated, disabled in Java). */
public enum TlsVersion {
  TLS_1_2("1.2", "TLSv1.2"),
  TLS_1_3("1.3", "TLSv1.3");

  private final String configName;
  private final String protocolName;

  TlsVersion(String configName, String protocolName) {
    this.configName = configName;
    this.protocolName = protocolName;
  }

  /** As written in config: {@code "1.2"}, {@code "1.3"}. */
  public String configName() {
    return configName;
  }

  /** The JSSE / Netty protocol name, e.g. {@code TLSv1.3}. */
  public String protocolName() {
    return protocolName;
  }

  /** The protocol names from {@code min} to {@code max}, newest first (as Netty expects them). */
  static String[] protocols(TlsVersion min, TlsVersion max) {
    TlsVersion hi = max == null ? TLS_1_3 : max;
    String[] out = new String[hi.ordinal() - min.ordinal() + 1];
    for (int i = 0; i < out.length; i++) {
      out[i] = values()[hi.ordinal() - i].protocolName;
    }
    return out;
  }
}
