package dev.traceyard.store.db;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes one process (and one store within it) the only writer of a data directory. DuckDB locks its
 * own files too, but its error names neither the directory nor the other process; this lock does,
 * and it covers the whole directory (partition files come and go). The OS releases the lock when the
 * process dies, so a crash never leaves a stale lock behind.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE_NAME = "traceyard.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataDirLock acquire(Path dataDir) throws StoreException {
    Path file = dataDir.resolve(FILE_NAME);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("cannot open lock file " + file + ": " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // Another store in this JVM holds it: same message, our own pid.
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot lock " + file + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      String holder = readPid(channel);
      closeQuietly(channel);
      throw new StoreException("data directory " + dataDir.toAbsolutePath().normalize()
          + " is in use by another Traceyard process (pid " + holder + ")");
    }
    try {
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot write lock file " + file + ": " + e.getMessage(), e);
    }
    return new DataDirLock(channel, lock);
  }

  private static String readPid(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      int n = channel.read(buf, 0);
      String s = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
      return s.matches("\\d+") ? s : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void closeQuietly(FileChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do: the lock is gone with the channel
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // released with the channel below anyway
    }
    closeQuietly(channel);
  }
}
