package dev.traceyard.collector.processor.internal.matching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;

class RegexesTest {

  @Test
  void goNamedGroups_withUnderscores_areRenamedAndKept() {
    Regexes.Compiled c = Regexes.compile("^/api/(?P<api_version>v\\d+)/(?<resource>[a-z]+)");
    Matcher m = c.pattern().matcher("/api/v2/orders");

    assertThat(m.find()).isTrue();
    assertThat(c.groupNames()).containsExactly("api_version", "resource");
    assertThat(m.group(Regexes.Compiled.internalName(0))).isEqualTo("v2");
    assertThat(m.group(Regexes.Compiled.internalName(1))).isEqualTo("orders");
  }

  @Test
  void lookbehindAndCharacterClasses_areLeftAlone() {
    Regexes.Compiled c = Regexes.compile("(?<=token=)[^&(?P<x>]+");
    assertThat(c.groupNames()).isEmpty();
    Matcher m = c.pattern().matcher("a?token=s3cr3t&b=1");
    assertThat(m.find()).isTrue();
    assertThat(m.group()).isEqualTo("s3cr3t");
  }

  @Test
  void duplicateGroupName_isRejected() {
    assertThatThrownBy(() -> Regexes.compile("(?P<a>x)(?P<a>y)")).isInstanceOf(PatternSyntaxException.class)
        .hasMessageContaining("duplicate group name 'a'");
  }
}
