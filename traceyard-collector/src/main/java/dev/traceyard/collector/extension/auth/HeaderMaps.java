package dev.traceyard.collector.extension.auth;

import com.linecorp.armeria.common.HttpHeaders;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Request headers as the {@code Map} a {@link ServerAuthenticator} takes, without copying them. */
public final class HeaderMaps {
  private HeaderMaps() {}

  /**
   * A read-only view of Armeria headers: {@code get} looks a name up case-insensitively (first value);
   * iteration yields lower-case names, first value each.
   */
  public static Map<String, String> of(HttpHeaders headers) {
    return new View(headers);
  }

  private static final class View extends AbstractMap<String, String> {
    private final HttpHeaders headers;
    private Map<String, String> copy;

    View(HttpHeaders headers) {
      this.headers = headers;
    }

    @Override
    public String get(Object key) {
      return key instanceof String ? headers.get(((String) key).toLowerCase(Locale.ROOT)) : null;
    }

    @Override
    public boolean containsKey(Object key) {
      return get(key) != null;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
      if (copy == null) {
        Map<String, String> m = new LinkedHashMap<>();
        headers.forEach((name, value) -> m.putIfAbsent(name.toString(), value));
        copy = m;
      }
      return copy.entrySet();
    }

    @Override
    public String toString() {
      return "headers" + headers.names(); // names only: values may be credentials
    }
  }
}
