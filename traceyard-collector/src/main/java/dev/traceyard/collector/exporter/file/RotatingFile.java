package dev.traceyard.collector.exporter.file;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A file written record by record, rotated by size as otelcol's file exporter does: the full file is
 * renamed to {@code name-2006-01-02T15-04-05.000.ext} (timestamp before the extension) and a new one
 * is started; backups beyond {@code max_backups} or older than {@code max_days} are deleted.
 * A record never straddles two files. Thread-safe.
 */
final class RotatingFile implements AutoCloseable {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS");
  private static final int BUFFER = 64 * 1024;

  private final Path path;
  private final FileExporterConfig.Rotation rotation;
  private final boolean append;
  private final Clock clock;
  private final String prefix;
  private final String extension;
  private OutputStream out;
  private long size;

  RotatingFile(Path path, FileExporterConfig.Rotation rotation, boolean append, Clock clock) {
    this.path = path.toAbsolutePath();
    this.rotation = rotation;
    this.append = append;
    this.clock = rotation != null && rotation.localTime() ? clock.withZone(ZoneId.systemDefault()) : clock.withZone(ZoneOffset.UTC);
    String name = this.path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.prefix = (dot > 0 ? name.substring(0, dot) : name) + "-";
    this.extension = dot > 0 ? name.substring(dot) : "";
  }

  synchronized void open() throws IOException {
    Path dir = path.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    // With rotation an existing file is continued (as otelcol's rotating writer does); without,
    // 'append' decides whether the previous content is kept.
    boolean keep = append || rotation != null;
    out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        keep ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING), BUFFER);
    size = Files.size(path);
  }

  synchronized void write(byte[] record) throws IOException {
    if (out == null) {
      throw new IOException("file " + path + " is not open");
    }
    // An oversized record still gets written, alone in a fresh file: never lose data for a limit.
    if (rotation != null && size > 0 && size + record.length > rotation.maxBytes()) {
      rotate();
    }
    out.write(record);
    size += record.length;
  }

  synchronized void flush() throws IOException {
    if (out != null) {
      out.flush();
    }
  }

  private void rotate() throws IOException {
    out.close();
    out = null;
    Files.move(path, freeBackupName());
    out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING), BUFFER);
    size = 0;
    prune();
  }

  private Path freeBackupName() {
    LocalDateTime t = LocalDateTime.now(clock);
    // Two rotations in one millisecond would collide; step forward instead of overwriting a backup.
    while (true) {
      Path candidate = path.resolveSibling(prefix + STAMP.format(t) + extension);
      if (!Files.exists(candidate)) {
        return candidate;
      }
      t = t.plusNanos(1_000_000);
    }
  }

  /** Backups of this file, newest first. */
  List<Path> backups() throws IOException {
    record Backup(Path path, LocalDateTime time) {}
    List<Backup> found = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(path.getParent(), prefix + "*" + extension)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        String stamp = name.substring(prefix.length(), name.length() - extension.length());
        try {
          found.add(new Backup(p, LocalDateTime.parse(stamp, STAMP)));
        } catch (DateTimeParseException notOurs) {
          // Another file that happens to share the prefix.
        }
      }
    }
    found.sort(Comparator.comparing(Backup::time).reversed());
    List<Path> out = new ArrayList<>();
    found.forEach(b -> out.add(b.path()));
    return out;
  }

  private void prune() throws IOException {
    List<Path> all = backups();
    Instant oldest = rotation.maxDays() > 0 ? clock.instant().minus(Duration.ofDays(rotation.maxDays())) : null;
    for (int i = 0; i < all.size(); i++) {
      Path p = all.get(i);
      boolean tooMany = rotation.maxBackups() > 0 && i >= rotation.maxBackups();
      boolean tooOld = false;
      if (oldest != null) {
        String name = p.getFileName().toString();
        LocalDateTime t = LocalDateTime.parse(name.substring(prefix.length(), name.length() - extension.length()), STAMP);
        tooOld = t.atZone(clock.getZone()).toInstant().isBefore(oldest);
      }
      if (tooMany || tooOld) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      try {
        out.close();
      } finally {
        out = null;
      }
    }
  }
}
