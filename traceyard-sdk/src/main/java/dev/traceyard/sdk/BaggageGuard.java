package dev.traceyard.sdk;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps the process's propagator so baggage obeys limits and a deny list on the way out (inject) and on
 * the way in (extract). Baggage is copied into every outgoing request header, to every downstream
 * service including third parties: a key like {@code authorization} or {@code user.email} put there by
 * mistake is a leak, and an unbounded baggage header is a way to make every hop slower.
 *
 * <p>Only the baggage handed to the delegate (inject) or returned by it (extract) is filtered: baggage
 * inside the process is left as the application set it. Entries are kept in the order the baggage
 * iterates them until a limit is reached; every entry dropped is counted by reason and direction
 * ({@code traceyard.baggage.dropped}).
 */
public final class BaggageGuard implements TextMapPropagator {

  /** Key substrings refused by default, compared case-insensitively. */
  public static final List<String> DEFAULT_DENIED_KEY_PARTS =
      List.of("authorization", "token", "password", "secret", "cookie", "email");
  /** W3C baggage allows 64 entries and 8192 bytes; a service seldom needs more than a few. */
  public static final int DEFAULT_MAX_ENTRIES = 32;
  public static final int DEFAULT_MAX_BYTES = 4096;

  static final String DROPPED_METRIC = "traceyard.baggage.dropped";
  private static final AttributeKey<String> DIRECTION = AttributeKey.stringKey("direction");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

  private final TextMapPropagator delegate;
  private final int maxEntries;
  private final int maxBytes;
  private final List<String> deniedKeyParts;
  private final LongAdder[] dropped = new LongAdder[4]; // [direction * 2 + reason]

  private BaggageGuard(Builder builder) {
    this.delegate = builder.delegate;
    this.maxEntries = builder.maxEntries;
    this.maxBytes = builder.maxBytes;
    this.deniedKeyParts = List.copyOf(builder.deniedKeyParts);
    for (int i = 0; i < dropped.length; i++) {
      dropped[i] = new LongAdder();
    }
  }

  public static Builder builder(TextMapPropagator delegate) {
    return new Builder(delegate);
  }

  /** The delegate guarded with the default limits and deny list. */
  public static BaggageGuard wrap(TextMapPropagator delegate) {
    return builder(delegate).build();
  }

  @Override
  public Collection<String> fields() {
    return delegate.fields();
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    Baggage baggage = Baggage.fromContextOrNull(context);
    if (baggage != null && !baggage.isEmpty()) {
      Baggage allowed = filter(baggage, 0);
      if (allowed != baggage) {
        context = context.with(allowed);
      }
    }
    delegate.inject(context, carrier, setter);
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = delegate.extract(context, carrier, getter);
    Baggage baggage = Baggage.fromContextOrNull(extracted);
    if (baggage == null || baggage.isEmpty() || baggage == Baggage.fromContextOrNull(context)) {
      return extracted;
    }
    Baggage allowed = filter(baggage, 1);
    return allowed == baggage ? extracted : extracted.with(allowed);
  }

  /** Returns {@code baggage} itself when nothing had to go, so the common case allocates nothing more. */
  private Baggage filter(Baggage baggage, int direction) {
    List<String> keys = new ArrayList<>(baggage.size());
    List<BaggageEntry> entries = new ArrayList<>(baggage.size());
    baggage.forEach((key, entry) -> {
      keys.add(key);
      entries.add(entry);
    });
    BaggageBuilder kept = Baggage.builder();
    int keptEntries = 0;
    int keptBytes = 0;
    int deniedCount = 0;
    int overLimit = 0;
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      BaggageEntry entry = entries.get(i);
      if (denied(key)) {
        deniedCount++;
        continue;
      }
      int bytes = encodedSize(key, entry);
      if (keptEntries + 1 > maxEntries || keptBytes + bytes > maxBytes) {
        overLimit++;
        continue;
      }
      keptEntries++;
      keptBytes += bytes;
      kept.put(key, entry.getValue(), entry.getMetadata());
    }
    if (deniedCount == 0 && overLimit == 0) {
      return baggage;
    }
    dropped[direction * 2].add(deniedCount);
    dropped[direction * 2 + 1].add(overLimit);
    return kept.build();
  }

  boolean denied(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    for (String part : deniedKeyParts) {
      if (lower.contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** Size of {@code key=value;metadata} plus its list separator, as it would travel in the header. */
  private static int encodedSize(String key, BaggageEntry entry) {
    int size = utf8Length(key) + 1 + utf8Length(entry.getValue()) + 1;
    String metadata = entry.getMetadata().getValue();
    if (!metadata.isEmpty()) {
      size += 1 + utf8Length(metadata);
    }
    return size;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Entries dropped so far, in both directions, for both reasons. */
  public long droppedCount() {
    long total = 0;
    for (LongAdder adder : dropped) {
      total += adder.sum();
    }
    return total;
  }

  long droppedCount(boolean inject, boolean deniedKey) {
    return dropped[(inject ? 0 : 2) + (deniedKey ? 0 : 1)].sum();
  }

  /** Publishes the drop counts as the counter {@code traceyard.baggage.dropped{direction,reason}}. */
  public void registerMetrics(Meter meter) {
    Attributes[] attributes = {
      Attributes.of(DIRECTION, "inject", REASON, "denied_key"),
      Attributes.of(DIRECTION, "inject", REASON, "limit"),
      Attributes.of(DIRECTION, "extract", REASON, "denied_key"),
      Attributes.of(DIRECTION, "extract", REASON, "limit"),
    };
    meter
        .counterBuilder(DROPPED_METRIC)
        .setUnit("{entry}")
        .setDescription("Baggage entries dropped by the baggage guard (deny list or size limits)")
        .buildWithCallback(m -> {
          for (int i = 0; i < dropped.length; i++) {
            m.record(dropped[i].sum(), attributes[i]);
          }
        });
  }

  @Override
  public String toString() {
    return "BaggageGuard{maxEntries=" + maxEntries + ", maxBytes=" + maxBytes + ", denied="
        + deniedKeyParts + ", delegate=" + delegate + "}";
  }

  /** Limits validated when built: a bad value fails at start-up, never on a request. */
  public static final class Builder {
    private final TextMapPropagator delegate;
    private int maxEntries = DEFAULT_MAX_ENTRIES;
    private int maxBytes = DEFAULT_MAX_BYTES;
    private List<String> deniedKeyParts = DEFAULT_DENIED_KEY_PARTS;

    private Builder(TextMapPropagator delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    public Builder maxEntries(int maxEntries) {
      if (maxEntries < 0) {
        throw new IllegalArgumentException("maxEntries must be >= 0, was " + maxEntries);
      }
      this.maxEntries = maxEntries;
      return this;
    }

    public Builder maxBytes(int maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /** Replaces the deny list: a key is refused when it contains any of these, ignoring case. */
    public Builder deniedKeyParts(Collection<String> parts) {
      List<String> lower = new ArrayList<>();
      for (String part : Objects.requireNonNull(parts, "parts")) {
        if (part == null || part.isBlank()) {
          throw new IllegalArgumentException("denied key parts must not be blank: " + parts);
        }
        lower.add(part.trim().toLowerCase(Locale.ROOT));
      }
      this.deniedKeyParts = lower;
      return this;
    }

    public BaggageGuard build() {
      return new BaggageGuard(this);
    }
  }
}
