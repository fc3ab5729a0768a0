package dev.traceyard.store.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CursorTest {
  @Test
  void roundTrips() {
    Cursor c = new Cursor(42, -5, Long.MAX_VALUE, 1_795_600_800_000_000_000L, Long.MIN_VALUE, -1, 0x1234_5678_9abcL);
    assertThat(Cursor.decode(c.encode())).isEqualTo(c);
    assertThat(c.encode()).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void garbage_isABadQuery() {
    assertThatThrownBy(() -> Cursor.decode("!!")).isInstanceOf(BadQueryException.class).hasMessageContaining("cursor");
    assertThatThrownBy(() -> Cursor.decode("YWJj")).isInstanceOf(BadQueryException.class);
  }
}
