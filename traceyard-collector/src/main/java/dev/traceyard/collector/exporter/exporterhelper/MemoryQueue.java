package dev.traceyard.collector.exporter.exporterhelper;

import dev.traceyard.collector.data.Batch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The default bounded in-memory queue, sized in requests or items. Room is freed when a batch is taken. */
final class MemoryQueue implements ExportQueue {
  private final long capacity;
  private final QueueConfig.Sizer sizer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private long used;
  private boolean closed;
  private boolean stopped;

  MemoryQueue(long capacity, QueueConfig.Sizer sizer) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.sizer = sizer;
  }

  private long sizeOf(Batch b) {
    // An empty batch still takes a slot, or an unbounded number of them could be queued.
    return sizer == QueueConfig.Sizer.ITEMS ? Math.max(1, b.itemCount()) : 1;
  }

  @Override
  public Offer offer(Batch batch) {
    long size = sizeOf(batch);
    lock.lock();
    try {
      if (closed) {
        return Offer.CLOSED;
      }
      if (size > capacity) {
        return Offer.TOO_LARGE;
      }
      if (used + size > capacity) {
        return Offer.FULL;
      }
      add(batch, size);
      return Offer.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Offer offerWaiting(Batch batch) throws InterruptedException {
    long size = sizeOf(batch);
    lock.lockInterruptibly();
    try {
      if (size > capacity) {
        return Offer.TOO_LARGE;
      }
      while (!closed && used + size > capacity) {
        notFull.await();
      }
      if (closed) {
        return Offer.CLOSED;
      }
      add(batch, size);
      return Offer.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  private void add(Batch batch, long size) {
    batches.addLast(batch);
    used += size;
    notEmpty.signal();
  }

  @Override
  public Entry take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!stopped && batches.isEmpty() && !closed) {
        notEmpty.await();
      }
      if (stopped || batches.isEmpty()) {
        return null;
      }
      Batch b = batches.removeFirst();
      used -= sizeOf(b);
      // signalAll: waiting producers may need different amounts of room.
      notFull.signalAll();
      return () -> b;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long size() {
    lock.lock();
    try {
      return used;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long capacity() {
    return capacity;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Batch> stop() {
    lock.lock();
    try {
      closed = true;
      stopped = true;
      List<Batch> lost = new ArrayList<>(batches);
      batches.clear();
      used = 0;
      notEmpty.signalAll();
      notFull.signalAll();
      return lost;
    } finally {
      lock.unlock();
    }
  }
}
