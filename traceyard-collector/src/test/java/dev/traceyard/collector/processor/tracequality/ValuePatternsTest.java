package dev.traceyard.collector.processor.tracequality;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValuePatternsTest {

  @Test
  void recognisesIdLikeValues() {
    assertThat(ValuePatterns.looksLikeId("550e8400-e29b-41d4-a716-446655440000")).isTrue();
    assertThat(ValuePatterns.looksLikeId("123456")).isTrue();
    assertThat(ValuePatterns.looksLikeId("jane.doe@example.com")).isTrue();
    assertThat(ValuePatterns.looksLikeId("https://shop.example.com/users/48213/orders")).isTrue();
    assertThat(ValuePatterns.looksLikeId("/carts/550e8400-e29b-41d4-a716-446655440000")).isTrue();
    assertThat(ValuePatterns.looksLikeId("4bf92f3577b34da6a3ce929d0e0e4736")).isTrue();
  }

  @Test
  void leavesBoundedValuesAlone() {
    assertThat(ValuePatterns.looksLikeId("GET")).isFalse();
    assertThat(ValuePatterns.looksLikeId("/users/{id}")).isFalse();
    assertThat(ValuePatterns.looksLikeId("https://shop.example.com/users/me")).isFalse();
    assertThat(ValuePatterns.looksLikeId("checkout")).isFalse();
    assertThat(ValuePatterns.looksLikeId("deadbeef")).isFalse();
  }
}
