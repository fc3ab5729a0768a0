package dev.traceyard.store.db;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The attached partitions. Queries hold a {@link Lease} while they run so retention never detaches a
 * partition under a running query; the writer adds partitions without waiting (adding cannot break a
 * query that was planned without the new partition).
 */
public final class Partitions {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile NavigableMap<Long, Partition> byHour = Collections.unmodifiableNavigableMap(new TreeMap<>());

  /** Partitions that a query may use until it closes the lease. */
  public Lease lease() {
    lock.readLock().lock();
    return new Lease(byHour);
  }

  synchronized void add(Partition p) {
    TreeMap<Long, Partition> copy = new TreeMap<>(byHour);
    copy.put(p.hour(), p);
    byHour = Collections.unmodifiableNavigableMap(copy);
  }

  /**
   * Removes a partition once no query uses it, then runs {@code detach} while queries are held off.
   *
   * @return false when running queries did not finish within {@code waitMillis}; retried later
   */
  boolean remove(Partition p, long waitMillis, Runnable detach) throws InterruptedException {
    if (!lock.writeLock().tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    try {
      synchronized (this) {
        TreeMap<Long, Partition> copy = new TreeMap<>(byHour);
        copy.remove(p.hour());
        byHour = Collections.unmodifiableNavigableMap(copy);
      }
      detach.run();
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Runs {@code swap} (e.g. replacing a partition's file) while no query runs; the partition set is unchanged. */
  boolean exclusively(long waitMillis, Runnable swap) throws InterruptedException {
    if (!lock.writeLock().tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    try {
      swap.run();
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  List<Partition> snapshot() {
    return new ArrayList<>(byHour.values());
  }

  int size() {
    return byHour.size();
  }

  /** A consistent view of the partitions, valid until closed. */
  public final class Lease implements AutoCloseable {
    private final NavigableMap<Long, Partition> view;
    private boolean closed;

    private Lease(NavigableMap<Long, Partition> view) {
      this.view = view;
    }

    public List<Partition> all() {
      return new ArrayList<>(view.values());
    }

    /** Partitions whose hour overlaps {@code [fromNanos, toNanos]}, oldest first. */
    public List<Partition> overlapping(long fromNanos, long toNanos) {
      List<Partition> out = new ArrayList<>();
      if (fromNanos > toNanos) {
        return out;
      }
      long fromHour = Partitioning.hourOf(fromNanos);
      long toHour = Partitioning.hourOf(toNanos);
      out.addAll(view.subMap(fromHour, true, toHour, true).values());
      return out;
    }

    public Partition byAlias(String alias) {
      for (Partition p : view.values()) {
        if (p.alias().equals(alias)) {
          return p;
        }
      }
      return null;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        lock.readLock().unlock();
      }
    }
  }
}
