package dev.traceyard.collector.extension.filestorage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Segment file names and directory durability. */
final class Segments {
  static final String QUARANTINE_DIR = "quarantine";
  private static final Pattern NAME = Pattern.compile("seg-(\\d{20})\\.log");

  private Segments() {}

  /** {@code seg-<first sequence, 20 digits>.log}: names sort in sequence order. */
  static String name(long firstSeq) {
    return String.format("seg-%020d.log", firstSeq);
  }

  /** The first sequence a segment name carries, or -1 when the file is not a segment. */
  static long firstSeq(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      return -1;
    }
    try {
      return Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Makes a created, renamed or deleted entry survive power loss (Linux: fsync on the directory). */
  static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; its entries then reach the disk when the OS decides.
    }
  }
}
