package dev.traceyard.store.db;

import java.nio.file.Path;

/** Run in a child JVM: holds a data directory's lock until its stdin closes. */
public final class LockHolderMain {
  private LockHolderMain() {}

  public static void main(String[] args) throws Exception {
    DataDirLock lock = DataDirLock.acquire(Path.of(args[0]));
    try {
      System.out.println("LOCKED " + ProcessHandle.current().pid());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our stdin
      }
    } finally {
      lock.close();
    }
  }
}
