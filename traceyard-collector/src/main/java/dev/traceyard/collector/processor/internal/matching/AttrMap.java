package dev.traceyard.collector.processor.internal.matching;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * An editable view of an OTLP attribute list that copies the list only on the first change, so an
 * item nobody changes keeps its original list (and the caller can keep the original protobuf).
 * Keys are looked up linearly: attribute lists are short and a hash map would cost more to build.
 */
public final class AttrMap {
  private final List<KeyValue> original;
  private List<KeyValue> copy;

  public AttrMap(List<KeyValue> attributes) {
    this.original = attributes;
  }

  private List<KeyValue> current() {
    return copy != null ? copy : original;
  }

  private List<KeyValue> writable() {
    if (copy == null) {
      copy = new ArrayList<>(original);
    }
    return copy;
  }

  public int size() {
    return current().size();
  }

  public KeyValue at(int index) {
    return current().get(index);
  }

  /** Index of the first attribute with this key, or -1. */
  public int indexOf(String key) {
    List<KeyValue> list = current();
    for (int i = 0, n = list.size(); i < n; i++) {
      if (list.get(i).getKey().equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** The value of {@code key}, or null when absent. */
  public AnyValue get(String key) {
    int i = indexOf(key);
    return i < 0 ? null : current().get(i).getValue();
  }

  public boolean has(String key) {
    return indexOf(key) >= 0;
  }

  /** Sets {@code key}, replacing its first occurrence in place or appending; a no-op when the value is equal. */
  public void put(String key, AnyValue value) {
    int i = indexOf(key);
    if (i < 0) {
      writable().add(KeyValue.newBuilder().setKey(key).setValue(value).build());
    } else {
      set(i, value);
    }
  }

  /** Replaces the value at {@code index}; a no-op when the value is equal. */
  public void set(int index, AnyValue value) {
    KeyValue kv = current().get(index);
    if (!kv.getValue().equals(value)) {
      writable().set(index, kv.toBuilder().setValue(value).build());
    }
  }

  /** Removes every attribute with this key; true when one was there. */
  public boolean remove(String key) {
    boolean removed = false;
    int i;
    while ((i = indexOf(key)) >= 0) {
      writable().remove(i);
      removed = true;
    }
    return removed;
  }

  public void removeAt(int index) {
    writable().remove(index);
  }

  public boolean changed() {
    return copy != null;
  }

  /** The attributes: the original list when nothing changed. */
  public List<KeyValue> list() {
    return current();
  }
}
