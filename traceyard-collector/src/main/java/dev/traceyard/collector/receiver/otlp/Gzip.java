package dev.traceyard.collector.receiver.otlp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/** Gzip decompression with a cap on the output, so a small "gzip bomb" cannot inflate into gigabytes. */
final class Gzip {
  private Gzip() {}

  /** The decompressed form is over the limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(long limit) {
      super("the decompressed body exceeds the limit of " + limit + " bytes");
    }
  }

  /**
   * @throws IOException when the input is not valid gzip (corrupt, truncated)
   * @throws TooLargeException as soon as more than {@code limit} bytes come out
   */
  static byte[] decompress(byte[] gzip, long limit) throws IOException, TooLargeException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, Math.min(gzip.length * 4, 1 << 20)));
    byte[] buf = new byte[16 * 1024];
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip), buf.length)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if ((long) out.size() + n > limit) {
          throw new TooLargeException(limit);
        }
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }
}
