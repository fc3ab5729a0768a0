package dev.traceyard.collector.extension.filestorage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.extension.filestorage.RecordFormat.Header;
import dev.traceyard.collector.extension.filestorage.RecordFormat.Scan;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RecordFormatTest {

  private static byte[] record(long seq, String payload) {
    return RecordFormat.encode(seq, Signal.LOGS, 3, payload.getBytes(StandardCharsets.UTF_8)).array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void encodedRecordParsesBackWithEveryHeaderField() {
    byte[] r = record(42, "payload");
    Header h = RecordFormat.parse(r, 0, r.length);
    assertThat(h).isEqualTo(new Header(0, 42, Signal.LOGS, 3, 7));
    assertThat(h.size()).isEqualTo(r.length);
  }

  @Test
  void checksumCoversTheHeaderFieldsAfterIt() {
    for (int pos : new int[] {12, 19, 20, 21, 24, 25}) { // sequence, signal, item count, payload
      byte[] r = record(42, "payload");
      r[pos] ^= 1;
      assertThat(RecordFormat.parse(r, 0, r.length)).as("byte %d flipped", pos).isNull();
    }
  }

  @Test
  void scanOfCleanRecordsFindsThemAllAndNothingElse() {
    byte[] data = concat(record(1, "a"), record(2, "bb"), record(3, "ccc"));
    Scan s = RecordFormat.scan(data);
    assertThat(s.records()).extracting(Header::seq).containsExactly(1L, 2L, 3L);
    assertThat(s.isDamaged()).isFalse();
    assertThat(s.tornBytes()).isZero();
    assertThat(s.validEnd()).isEqualTo(data.length);
  }

  @Test
  void everyPrefixOfARecordAtTheEndIsATornTail() {
    byte[] first = record(1, "first");
    byte[] second = record(2, "second record");
    for (int cut = 1; cut < second.length; cut++) {
      Scan s = RecordFormat.scan(concat(first, Arrays.copyOf(second, cut)));
      assertThat(s.records()).as("cut at %d", cut).hasSize(1);
      assertThat(s.isDamaged()).as("cut at %d", cut).isFalse();
      assertThat(s.tornBytes()).isEqualTo(cut);
      assertThat(s.validEnd()).isEqualTo(first.length);
    }
  }

  @Test
  void damageBetweenRecordsIsFoundAndTheRecordsAfterItAreKept() {
    byte[] a = record(1, "aaaa");
    byte[] b = record(2, "bbbb");
    byte[] c = record(3, "cccc");
    byte[] data = concat(a, b, c);
    data[a.length + 27] ^= 0x40; // inside b's payload
    Scan s = RecordFormat.scan(data);
    assertThat(s.records()).extracting(Header::seq).containsExactly(1L, 3L);
    assertThat(s.damaged()).hasSize(1);
    assertThat(s.damaged().get(0)).containsExactly(a.length, a.length + b.length);
    assertThat(s.damagedBytes()).isEqualTo(b.length);
  }

  @Test
  void garbageAtTheEndThatIsNotARecordStartIsDamageNotATornTail() {
    byte[] a = record(1, "aaaa");
    byte[] data = concat(a, "not a record at all, just noise".getBytes(StandardCharsets.UTF_8));
    Scan s = RecordFormat.scan(data);
    assertThat(s.records()).hasSize(1);
    assertThat(s.isDamaged()).isTrue();
    assertThat(s.tornBytes()).isZero();
  }
}
