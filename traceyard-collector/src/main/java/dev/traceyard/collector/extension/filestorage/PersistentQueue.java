package dev.traceyard.collector.extension.filestorage;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue;
import dev.traceyard.collector.exporter.exporterhelper.QueueConfig;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import dev.traceyard.collector.extension.filestorage.RecordFormat.Header;
import dev.traceyard.collector.extension.filestorage.RecordFormat.Scan;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * A sending queue in a directory: batches are appended to segment files (see {@link RecordFormat})
 * and handed to consumers in order; a batch is removed only when its delivery ended
 * ({@link Entry#done()}), by an entry in the acknowledgement log ({@link AckLog}); a segment file is
 * deleted once all its records are done. Consumers may finish out of order.
 *
 * <p>At start, every record not acknowledged is queued again (at-least-once). A torn tail (a write
 * cut short by a crash) is cut off. A segment with damage in the middle is moved to
 * {@code quarantine/} after the records that still check out were copied to a fresh segment; what
 * was skipped is logged and counted. Start never fails because of what is in the files.
 *
 * <p>Only record positions are kept in memory; payloads are read back when taken. Appends are
 * plain writes (no user-space buffer), so a process crash loses nothing once {@code offer} returned;
 * what a power loss can lose depends on {@link Fsync}.
 */
final class PersistentQueue implements ExportQueue {
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
  /** The acknowledgement log is rewritten when it holds this many entries and twice the live ones. */
  private static final long ACK_COMPACT_MIN_ENTRIES = 4096;
  private static final String LOCK_FILE = ".lock";

  private final Path dir;
  private final FileStorageConfig storage;
  private final long capacity;
  private final QueueConfig.Sizer sizer;
  private final Logger logger;
  private final RateLimitedLogger ioLog;
  private final RateLimitedLogger quotaLog;
  private final QueueMetrics metrics;
  private final FileChannel lockChannel;
  private final FileLock fileLock;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  // Everything below is guarded by lock.
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final ArrayDeque<Slot> pending = new ArrayDeque<>();
  private Segment active;
  private AckLog acks;
  private long nextSeq;
  private long storedUnits;
  private long diskBytes;
  private long appended;
  private boolean directoryDirty;
  private boolean closed;
  private boolean stopped;

  private final Object syncMonitor = new Object();
  // Guarded by syncMonitor: bytes of 'appended' known to be on the device.
  private long synced;

  /** Where a queued record is. */
  private record Slot(Segment segment, int index, long seq, long offset, int payloadLength, Signal signal, int items) {}

  /** A record still to be delivered, read from a damaged segment before the segment goes to quarantine. */
  private record Rescued(Signal signal, int items, byte[] payload) {}

  private PersistentQueue(Path dir, FileStorageConfig storage, QueueConfig queue, Logger logger, QueueMetrics metrics,
      FileChannel lockChannel, FileLock fileLock) {
    this.dir = dir;
    this.storage = storage;
    this.capacity = queue.queueSize();
    this.sizer = queue.sizer();
    this.logger = logger;
    this.ioLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.quotaLog = new RateLimitedLogger(logger, LOG_INTERVAL);
    this.metrics = metrics;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
  }

  /**
   * Opens (creating if needed) the queue in {@code dir} and recovers what a previous run left.
   *
   * @throws IOException only when the directory itself cannot be used (not writable, or locked by
   *     another process); damaged contents are quarantined instead
   */
  static PersistentQueue open(Path dir, FileStorageConfig storage, QueueConfig queue, Logger logger,
      QueueMetrics metrics) throws IOException {
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock fileLock;
    try {
      fileLock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      fileLock = null;
    } catch (IOException e) {
      lockChannel.close();
      throw e;
    }
    if (fileLock == null) {
      lockChannel.close();
      throw new IOException("queue directory '" + dir + "' is in use by another Traceyard process or exporter");
    }
    PersistentQueue q = new PersistentQueue(dir, storage, queue, logger, metrics, lockChannel, fileLock);
    try {
      q.recover();
    } catch (IOException | RuntimeException e) {
      q.stop();
      throw e;
    }
    metrics.disk(q::diskBytes, storage::maxSizeBytes);
    return q;
  }

  // ---------------------------------------------------------------- recovery

  private void recover() throws IOException {
    lock.lock();
    try {
      AckLog.State state;
      try {
        state = AckLog.read(dir);
      } catch (IOException e) {
        logger.warn("cannot read the acknowledgement log in {} ({}); every queued batch will be delivered again", dir,
            e.toString());
        state = new AckLog.State(Set.of(), 0, 0);
      }
      if (state.damagedEntries() > 0) {
        logger.warn("skipped {} damaged entries of the acknowledgement log in {}; the batches they acknowledged "
            + "will be delivered again", state.damagedEntries(), dir);
      }
      nextSeq = state.next();
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(p -> Segments.firstSeq(p) >= 0).sorted().collect(Collectors.toList());
      }
      List<Rescued> rescued = new ArrayList<>();
      List<Runnable> quarantines = new ArrayList<>();
      long recovered = 0;
      long recoveredItems = 0;
      for (Path file : files) {
        long first = Segments.firstSeq(file);
        nextSeq = Math.max(nextSeq, first + 1);
        byte[] data;
        try {
          data = Files.readAllBytes(file);
        } catch (IOException e) {
          long size = sizeOrZero(file);
          quarantines.add(() -> quarantine(file, size, size, "cannot be read (" + e + "); nothing in it could be recovered"));
          continue;
        }
        Scan scan = RecordFormat.scan(data);
        for (Header h : scan.records()) {
          nextSeq = Math.max(nextSeq, h.seq() + 1);
        }
        if (scan.isDamaged()) {
          int kept = 0;
          for (Header h : scan.records()) {
            if (!state.acked().contains(h.seq())) {
              int from = (int) h.offset() + RecordFormat.HEADER_SIZE;
              rescued.add(new Rescued(h.signal(), h.items(), Arrays.copyOfRange(data, from, from + h.payloadLength())));
              kept++;
            }
          }
          String what = describeDamage(scan, kept);
          quarantines.add(() -> quarantine(file, data.length, scan.damagedBytes() + scan.tornBytes(), what));
          continue;
        }
        if (scan.tornBytes() > 0) {
          truncate(file, scan);
        }
        FileChannel channel;
        try {
          channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
          long size = data.length;
          quarantines.add(() -> quarantine(file, size, size, "cannot be opened (" + e + ")"));
          continue;
        }
        Segment seg = new Segment(file, first, channel, scan.validEnd());
        seg.sealed = true;
        for (Header h : scan.records()) {
          int index = seg.add(h.seq());
          if (state.acked().contains(h.seq())) {
            seg.markDone(index);
          } else {
            Slot slot = new Slot(seg, index, h.seq(), h.offset(), h.payloadLength(), h.signal(), h.items());
            pending.add(slot);
            storedUnits += units(slot.items());
            recovered++;
            recoveredItems += h.items();
          }
        }
        segments.put(first, seg);
        diskBytes += seg.size;
        if (seg.allDone()) {
          deleteSegment(seg);
        }
      }
      // Copy what damaged segments still hold to a fresh segment first, so a crash before the
      // quarantine move can only cause duplicates, never loss.
      for (Rescued r : rescued) {
        Slot slot = append(r.signal(), r.items(), r.payload());
        pending.add(slot);
        recovered++;
        recoveredItems += r.items();
      }
      if (active != null) {
        active.channel.force(false);
        Segments.forceDirectory(dir);
      }
      quarantines.forEach(Runnable::run);
      acks = AckLog.rewrite(dir, nextSeq, liveAcked());
      metrics.recoveredBatches.inc(recovered);
      if (recovered > 0) {
        logger.info("persistent queue {}: {} batches ({} items, {} bytes on disk) from before the restart will be "
            + "delivered again", dir, recovered, recoveredItems, diskBytes);
      }
    } finally {
      lock.unlock();
    }
  }

  private static String describeDamage(Scan scan, int rescued) {
    StringBuilder ranges = new StringBuilder();
    int shown = 0;
    for (long[] r : scan.damaged()) {
      if (shown++ == 5) {
        ranges.append(", ...");
        break;
      }
      ranges.append(shown > 1 ? ", " : "").append('[').append(r[0]).append(", ").append(r[1]).append(')');
    }
    return "has " + scan.damagedBytes() + " damaged bytes at offsets " + ranges
        + (scan.tornBytes() > 0 ? " and " + scan.tornBytes() + " unreadable bytes at its end" : "")
        + "; " + scan.records().size() + " records checked out, " + rescued
        + " of them not yet delivered were queued again";
  }

  private void quarantine(Path file, long size, long skippedBytes, String what) {
    Path target = dir.resolve(Segments.QUARANTINE_DIR).resolve(file.getFileName() + "." + System.currentTimeMillis());
    String where;
    try {
      Files.createDirectories(target.getParent());
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      Segments.forceDirectory(dir);
      where = "moved to " + target;
    } catch (IOException e) {
      where = "could not be moved to " + target.getParent() + " (" + e + ") and was left in place";
    }
    metrics.quarantinedSegments.inc();
    metrics.quarantinedBytes.inc(skippedBytes);
    logger.warn("persistent queue segment {} ({} bytes) is damaged: it {}; {} bytes skipped; the segment was {}",
        file, size, what, skippedBytes, where);
  }

  private void truncate(Path file, Scan scan) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(scan.validEnd());
      ch.force(true);
    } catch (IOException e) {
      ioLog.warn("cannot cut the incomplete end of {} ({}); it is ignored", file, e.toString());
    }
    metrics.truncatedBytes.inc(scan.tornBytes());
    logger.info("cut {} bytes of an incomplete record from the end of {} (a write interrupted by a crash; that batch "
        + "had not been acknowledged)", scan.tornBytes(), file);
  }

  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private List<Long> liveAcked() {
    List<Long> out = new ArrayList<>();
    for (Segment s : segments.values()) {
      s.doneSeqs(out::add);
    }
    return out;
  }

  // ---------------------------------------------------------------- appending

  private long units(int items) {
    return sizer == QueueConfig.Sizer.ITEMS ? Math.max(1, items) : 1;
  }

  @Override
  public Offer offer(Batch batch) {
    return offer(batch, false);
  }

  @Override
  public Offer offerWaiting(Batch batch) throws InterruptedException {
    Offer o = offer(batch, true);
    // Only a wait cut short by an interrupt ends as CLOSED with the flag set; an accepted batch stays accepted.
    if (o == Offer.CLOSED && Thread.interrupted()) {
      throw new InterruptedException();
    }
    return o;
  }

  private Offer offer(Batch batch, boolean wait) {
    byte[] payload = batch.request().toByteArray();
    long units = units(batch.itemCount());
    long recordSize = RecordFormat.HEADER_SIZE + (long) payload.length;
    long target;
    lock.lock();
    try {
      while (true) {
        Offer o = admit(units, recordSize, !wait);
        if (o == null) {
          break;
        }
        if (o != Offer.FULL || !wait) {
          return o;
        }
        try {
          notFull.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Offer.CLOSED;
        }
      }
      Slot slot;
      try {
        slot = append(batch.signal(), batch.itemCount(), payload);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot append to the persistent queue in " + dir, e);
      }
      pending.add(slot);
      notEmpty.signal();
      target = appended;
    } finally {
      lock.unlock();
    }
    if (storage.fsync() == Fsync.ALWAYS) {
      try {
        sync(target);
      } catch (IOException e) {
        // The batch stays queued, but it is not known to be durable: the sender is asked to retry (a duplicate at worst).
        throw new UncheckedIOException("cannot fsync the persistent queue in " + dir, e);
      }
    }
    return Offer.ACCEPTED;
  }

  /** Null when the record fits now. */
  private Offer admit(long units, long recordSize, boolean count) {
    if (closed) {
      return Offer.CLOSED;
    }
    if (units > capacity || recordSize > storage.maxSizeBytes()) {
      return Offer.TOO_LARGE;
    }
    if (storedUnits + units > capacity) {
      return Offer.FULL;
    }
    if (diskBytes + recordSize > storage.maxSizeBytes()) {
      // The open segment may hold nothing but delivered records: let it go rather than refuse.
      if (active != null && active.records() > 0 && active.allDone()) {
        deleteSegment(active);
      }
      if (diskBytes + recordSize > storage.maxSizeBytes()) {
        if (count) {
          metrics.quotaRefusals.inc();
          quotaLog.warn("persistent queue in {} is at its disk quota ({} of {} bytes, max_size_mib); refusing a batch "
              + "of {} bytes, the sender is asked to retry", dir, diskBytes, storage.maxSizeBytes(), recordSize);
        }
        return Offer.FULL;
      }
    }
    return null;
  }

  private Slot append(Signal signal, int items, byte[] payload) throws IOException {
    int recordSize = RecordFormat.HEADER_SIZE + payload.length;
    if (active == null || (active.size > 0 && active.size + recordSize > storage.segmentSizeBytes())) {
      roll();
    }
    long seq = nextSeq++;
    ByteBuffer buf = RecordFormat.encode(seq, signal, items, payload);
    long offset = active.size;
    try {
      long pos = offset;
      while (buf.hasRemaining()) {
        pos += active.channel.write(buf, pos);
      }
    } catch (IOException e) {
      try {
        active.channel.truncate(offset);
      } catch (IOException ignored) {
        // The next append overwrites the partial record anyway: writes are positional.
      }
      throw e;
    }
    int index = active.add(seq);
    active.size += recordSize;
    diskBytes += recordSize;
    storedUnits += units(items);
    appended += recordSize;
    return new Slot(active, index, seq, offset, payload.length, signal, items);
  }

  private void roll() throws IOException {
    if (active != null) {
      if (storage.fsync() != Fsync.NEVER) {
        // The group commit only forces the open segment, so a sealed one must be on the device first.
        active.channel.force(false);
      }
      active.sealed = true;
      Segment old = active;
      active = null;
      if (old.allDone()) {
        deleteSegment(old);
      }
    }
    for (int attempt = 0; ; attempt++) {
      long first = nextSeq;
      Path p = dir.resolve(Segments.name(first));
      try {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        active = new Segment(p, first, ch, 0);
        segments.put(first, active);
        break;
      } catch (FileAlreadyExistsException e) {
        // A leftover that could not be quarantined: never write into it, take the next name.
        if (attempt > 1000) {
          throw e;
        }
        nextSeq++;
      }
    }
    if (storage.fsync() == Fsync.ALWAYS) {
      Segments.forceDirectory(dir);
    } else {
      directoryDirty = true;
    }
  }

  /**
   * Group commit: one force covers every append made before it, so concurrent offers under
   * {@code fsync: always} share device flushes instead of queueing one each.
   */
  private void sync(long target) throws IOException {
    synchronized (syncMonitor) {
      if (synced >= target) {
        return;
      }
      long upTo;
      FileChannel ch;
      lock.lock();
      try {
        upTo = appended;
        ch = active == null ? null : active.channel;
      } finally {
        lock.unlock();
      }
      if (ch != null) {
        try {
          ch.force(false);
        } catch (ClosedChannelException e) {
          // Rolled and deleted (all delivered) or stopped (forced by stop): nothing left to force.
        }
      }
      synced = upTo;
    }
  }

  /** The periodic flush for {@code fsync: interval} (and of acknowledgements for {@code always}). */
  void flush() {
    boolean forceDir;
    long target;
    AckLog ackLog;
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      target = appended;
      forceDir = directoryDirty;
      directoryDirty = false;
      ackLog = acks;
    } finally {
      lock.unlock();
    }
    try {
      sync(target);
      if (forceDir) {
        Segments.forceDirectory(dir);
      }
      // Outside the lock: acknowledgements lost to a power loss only mean deliveries repeated.
      ackLog.force();
    } catch (ClosedChannelException e) {
      // Stopped meanwhile; stop() forced what it had.
    } catch (IOException e) {
      ioLog.warn("cannot fsync the persistent queue in {}: {}", dir, e.toString());
    }
  }

  // ---------------------------------------------------------------- taking and acknowledging

  /**
   * The next batch. Returns null once the queue is closed, even if batches remain: they are on disk
   * and are delivered after the next start, so shutdown need not wait for a backend that is down.
   */
  @Override
  public Entry take() throws InterruptedException {
    while (true) {
      Slot slot;
      lock.lockInterruptibly();
      try {
        while (!closed && pending.isEmpty()) {
          notEmpty.await();
        }
        if (closed) {
          return null;
        }
        slot = pending.poll();
      } finally {
        lock.unlock();
      }
      Batch batch;
      try {
        batch = read(slot);
      } catch (ClosedChannelException e) {
        return null;
      }
      if (batch != null) {
        return new PersistentEntry(slot, batch);
      }
      // Damaged on disk since it was written: counted and logged by read; its delivery has ended.
      ack(slot);
    }
  }

  private Batch read(Slot slot) throws ClosedChannelException {
    int size = RecordFormat.HEADER_SIZE + slot.payloadLength();
    ByteBuffer buf = ByteBuffer.allocate(size);
    String problem;
    try {
      long pos = slot.offset();
      while (buf.hasRemaining()) {
        int n = slot.segment().channel.read(buf, pos);
        if (n < 0) {
          break;
        }
        pos += n;
      }
      Header h = buf.hasRemaining() ? null : RecordFormat.parse(buf.array(), 0, size);
      if (h != null && h.seq() == slot.seq()) {
        return decode(slot.signal(), buf.array(), RecordFormat.HEADER_SIZE, slot.payloadLength());
      }
      problem = "its checksum no longer matches";
    } catch (ClosedChannelException e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      problem = "it is not a valid OTLP request (" + e.getMessage() + ")";
    } catch (IOException e) {
      problem = "it cannot be read (" + e + ")";
    }
    metrics.quarantinedBytes.inc(size);
    ioLog.warn("skipping queued batch #{} ({} {} items, {} bytes at offset {} of {}): {}", slot.seq(), slot.items(),
        slot.signal().configName(), size, slot.offset(), slot.segment().path, problem);
    return null;
  }

  private static Batch decode(Signal signal, byte[] data, int offset, int length) throws InvalidProtocolBufferException {
    ByteBuffer payload = ByteBuffer.wrap(data, offset, length);
    switch (signal) {
      case TRACES:
        return Batch.of(OtlpTraceDecoder.parse(data, offset, length));
      case METRICS:
        return Batch.of(ExportMetricsServiceRequest.parseFrom(payload));
      default:
        return Batch.of(ExportLogsServiceRequest.parseFrom(payload));
    }
  }

  private final class PersistentEntry implements Entry {
    private final Slot slot;
    private final Batch batch;
    private final AtomicBoolean ended = new AtomicBoolean();

    PersistentEntry(Slot slot, Batch batch) {
      this.slot = slot;
      this.batch = batch;
    }

    @Override
    public Batch batch() {
      return batch;
    }

    @Override
    public void done() {
      if (ended.compareAndSet(false, true)) {
        ack(slot);
      }
    }

    @Override
    public void release() {
      // Stays on disk, unacknowledged: delivered again after the next start.
      ended.set(true);
    }
  }

  private void ack(Slot slot) {
    lock.lock();
    try {
      if (stopped) {
        // The files are closed: this batch will be delivered again after the next start (a duplicate).
        return;
      }
      Segment seg = slot.segment();
      if (!seg.markDone(slot.index())) {
        return;
      }
      try {
        acks.append(slot.seq());
      } catch (IOException e) {
        ioLog.warn("cannot record a delivered batch in {} ({}); it will be delivered again after a restart",
            acks.path(), e.toString());
      }
      storedUnits -= units(slot.items());
      if (seg.allDone() && seg != active) {
        deleteSegment(seg);
      }
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void deleteSegment(Segment seg) {
    segments.remove(seg.firstSeq);
    if (active == seg) {
      active = null;
    }
    seg.closeQuietly();
    diskBytes -= seg.size;
    try {
      Files.deleteIfExists(seg.path);
      directoryDirty = true;
    } catch (IOException e) {
      ioLog.warn("cannot delete delivered segment {} ({}); its batches may be delivered again after a restart",
          seg.path, e.toString());
    }
    if (acks != null && !stopped) {
      compactAcksIfLarge();
    }
  }

  private void compactAcksIfLarge() {
    long live = 0;
    for (Segment s : segments.values()) {
      live += s.doneCount();
    }
    if (acks.entries() < ACK_COMPACT_MIN_ENTRIES || acks.entries() < 2 * live) {
      return;
    }
    try {
      acks.close();
    } catch (IOException e) {
      // Being replaced.
    }
    try {
      acks = AckLog.rewrite(dir, nextSeq, liveAcked());
    } catch (IOException e) {
      ioLog.warn("cannot rewrite the acknowledgement log in {} ({}); keeping the old one", dir, e.toString());
      try {
        acks = AckLog.reopen(dir);
      } catch (IOException again) {
        ioLog.warn("cannot reopen the acknowledgement log in {} ({})", dir, again.toString());
      }
    }
  }

  // ---------------------------------------------------------------- state

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public long size() {
    lock.lock();
    try {
      return storedUnits;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long capacity() {
    return capacity;
  }

  long diskBytes() {
    lock.lock();
    try {
      return diskBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Batches waiting to be taken (not those being delivered). */
  int pendingCount() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  Path directory() {
    return dir;
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

  /**
   * For tests: lets go of the files the way a killed process does (no flush, no acknowledgement of
   * batches being delivered), so the directory can be opened again in the same JVM.
   */
  void simulateCrash() {
    lock.lock();
    try {
      closed = true;
      stopped = true;
      notEmpty.signalAll();
      notFull.signalAll();
      for (Segment s : segments.values()) {
        s.closeQuietly();
      }
      try {
        acks.close();
        fileLock.release();
        lockChannel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Forces and closes the files. Nothing is lost: what was not delivered is there at the next start. */
  @Override
  public List<Batch> stop() {
    lock.lock();
    try {
      if (stopped) {
        return List.of();
      }
      closed = true;
      stopped = true;
      notEmpty.signalAll();
      notFull.signalAll();
      try {
        if (active != null) {
          active.channel.force(false);
          if (active.allDone()) {
            deleteSegment(active);
          }
        }
        if (acks != null) {
          acks.force();
          acks.close();
        }
        Segments.forceDirectory(dir);
      } catch (IOException e) {
        logger.warn("cannot flush the persistent queue in {} at shutdown: {}", dir, e.toString());
      }
      for (Segment s : segments.values()) {
        s.closeQuietly();
      }
      try {
        fileLock.release();
        lockChannel.close();
      } catch (IOException e) {
        // The lock goes with the process anyway.
      }
      return List.of();
    } finally {
      lock.unlock();
    }
  }
}
