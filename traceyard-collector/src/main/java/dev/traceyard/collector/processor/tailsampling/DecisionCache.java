package dev.traceyard.collector.processor.tailsampling;

import java.util.LinkedHashMap;
import java.util.Map;

/** Recent decisions by trace id, least recently used out first; capacity 0 keeps nothing. Not thread-safe. */
final class DecisionCache<V> {
  private final int capacity;
  private final LinkedHashMap<TraceKey, V> entries;

  DecisionCache(int capacity) {
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TraceKey, V> eldest) {
        return size() > DecisionCache.this.capacity;
      }
    };
  }

  V get(TraceKey key) {
    return capacity == 0 ? null : entries.get(key);
  }

  void put(TraceKey key, V value) {
    if (capacity > 0) {
      entries.put(key, value);
    }
  }

  int size() {
    return entries.size();
  }
}
