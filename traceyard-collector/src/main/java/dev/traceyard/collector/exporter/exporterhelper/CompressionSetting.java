package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.config.ConfigNode;

/** The {@code compression} key of the OTLP exporters: gzip (the default, as in otelcol) or none. */
public final class CompressionSetting {
  private CompressionSetting() {}

  /** True for gzip; records an error naming the key for codecs otelcol has and we do not. */
  public static boolean parseGzip(ConfigNode node) {
    String c = node.string("compression", "gzip");
    switch (c) {
      case "gzip":
        return true;
      case "none":
      case "":
        return false;
      case "snappy":
      case "zstd":
      case "zlib":
      case "deflate":
      case "lz4":
        node.error("compression", "'" + c + "' is not supported yet (use gzip or none)");
        return true;
      default:
        node.error("compression", "unknown value '" + c + "' (expected one of: gzip, none)");
        return true;
    }
  }
}
