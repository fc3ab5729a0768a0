package dev.traceyard.collector.extension.auth;

import dev.traceyard.collector.telemetry.RateLimitedLogger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * A file holding secrets (a token, htpasswd lines), read at start and re-read when its content
 * changes, so that credentials rotate without a restart. The file is polled rather than watched:
 * polling also sees the symlink swaps Kubernetes uses to update mounted secrets, which file-system
 * events can miss. A file that disappears or becomes invalid keeps the last good secrets in force and
 * is logged (rate-limited, never with its content).
 *
 * @param <T> the parsed secrets
 */
public final class WatchedSecretFile<T> implements AutoCloseable {
  private final Path file;
  private final String key;
  private final Function<String, T> parser;
  private final RateLimitedLogger warnings;
  private final Logger logger;
  private final AtomicReference<T> current = new AtomicReference<>();
  private volatile byte[] digest;
  private ScheduledExecutorService poller;

  /**
   * @param key the config path of the setting naming the file, for messages
   * @param parser turns the content into secrets; throws IllegalArgumentException (with a message that
   *     does not quote the content) when it is invalid
   */
  public WatchedSecretFile(Path file, String key, Function<String, T> parser, Logger logger) {
    this.file = file;
    this.key = key;
    this.parser = parser;
    this.logger = logger;
    this.warnings = new RateLimitedLogger(logger, Duration.ofMinutes(1));
  }

  /**
   * Reads the file and starts polling it every {@code interval}.
   *
   * @throws IllegalStateException naming the key and the file when it cannot be read or is invalid
   */
  public synchronized void start(Duration interval) {
    byte[] bytes;
    try {
      bytes = read();
    } catch (IOException e) {
      throw new IllegalStateException(key + ": cannot read " + file + ": " + describe(e));
    }
    try {
      current.set(parser.apply(new String(bytes, StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(key + ": " + file + ": " + e.getMessage());
    }
    digest = Secrets.sha256(bytes);
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "traceyard-secret-file-" + file.getFileName());
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The secrets last read successfully. */
  public T get() {
    return current.get();
  }

  /** Re-reads the file now; called by the poller. */
  void poll() {
    try {
      byte[] bytes = read();
      byte[] d = Secrets.sha256(bytes);
      if (MessageDigest.isEqual(d, digest)) {
        return;
      }
      T parsed = parser.apply(new String(bytes, StandardCharsets.UTF_8));
      current.set(parsed);
      digest = d;
      logger.info("{}: reloaded {}", key, file);
    } catch (IOException e) {
      warnings.warn("{}: cannot re-read {} ({}); the secrets read before stay in force", key, file, describe(e));
    } catch (IllegalArgumentException e) {
      warnings.warn("{}: {} changed but is invalid ({}); the secrets read before stay in force", key, file,
          e.getMessage());
    } catch (RuntimeException e) {
      warnings.warn("{}: cannot reload {}: {}", key, file, e.getClass().getSimpleName());
    }
  }

  private byte[] read() throws IOException {
    return Files.readAllBytes(file);
  }

  private String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (Files.isDirectory(file)) {
      return "is a directory";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
      poller = null;
    }
  }

  @Override
  public String toString() {
    return key + "=" + file;
  }
}
