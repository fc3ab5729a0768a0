package dev.traceyard.store.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttributeFilterTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "span.http.route=/cart | SPAN | http.route | EQ | /cart",
      "resource.k8s.namespace.name!=test | RESOURCE | k8s.namespace.name | NE | test",
      "span.code>=500 | SPAN | code | GE | 500",
      "span.code<=499 | SPAN | code | LE | 499",
      "span.ratio>0.5 | SPAN | ratio | GT | 0.5",
      "span.ratio<-1 | SPAN | ratio | LT | -1",
      "span.db.statement=~SELECT .* FROM x | SPAN | db.statement | MATCH | SELECT .* FROM x",
      "span.route!~/internal/.* | SPAN | route | NOT_MATCH | /internal/.*",
      "span.query=a=b | SPAN | query | EQ | a=b",
      "span.empty= | SPAN | empty | EQ | ''",
  })
  void parse_splitsScopeKeyOperatorAndValue(String text, String scope, String key, String op, String value) {
    AttributeFilter f = AttributeFilter.parse(text);
    assertThat(f.scope()).isEqualTo(AttributeFilter.Scope.valueOf(scope));
    assertThat(f.key()).isEqualTo(key);
    assertThat(f.op()).isEqualTo(AttributeFilter.Op.valueOf(op));
    assertThat(f.value()).isEqualTo(value.equals("''") ? "" : value);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http.route=/cart | must start with 'span.' or 'resource.'",
      "span.route | no operator",
      "span.code>high | needs a number",
      "span.x=~(open | invalid regular expression",
      "span.=x | the key must not be empty",
  })
  void parse_rejectsWithAClearMessage(String text, String message) {
    assertThatThrownBy(() -> AttributeFilter.parse(text)).isInstanceOf(BadQueryException.class)
        .hasMessageContaining(message);
  }
}
