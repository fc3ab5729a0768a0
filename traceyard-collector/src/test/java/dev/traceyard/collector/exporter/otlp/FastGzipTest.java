package dev.traceyard.collector.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class FastGzipTest {

  private static byte[] compress(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = FastGzip.INSTANCE.compress(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void encodingName_isGrpcGzip() {
    assertThat(FastGzip.INSTANCE.getMessageEncoding()).isEqualTo("gzip");
  }

  @Test
  void output_isStandardGzipThatRoundTrips() throws Exception {
    byte[] data = "span span span attribute http.method GET ".repeat(5_000).getBytes(StandardCharsets.UTF_8);
    byte[] compressed = compress(data);

    assertThat(compressed.length).isLessThan(data.length / 10);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    try (var in = FastGzip.INSTANCE.decompress(new ByteArrayInputStream(compressed))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void emptyMessage_roundTrips() throws Exception {
    try (var in = FastGzip.INSTANCE.decompress(new ByteArrayInputStream(compress(new byte[0])))) {
      assertThat(in.readAllBytes()).isEmpty();
    }
  }
}
