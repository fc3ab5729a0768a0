package dev.traceyard.collector.processor.tailsampling;

import dev.traceyard.collector.component.ComponentSettings;
import dev.traceyard.collector.component.Host;
import dev.traceyard.collector.component.Processor;
import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.data.TraceBatch;
import dev.traceyard.collector.processor.tailsampling.policy.PolicySet;
import dev.traceyard.collector.telemetry.ProcessorMetrics;
import dev.traceyard.collector.telemetry.RateLimitedLogger;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Tail sampling: holds each trace's spans until its decision is due, evaluates the policies on the
 * whole trace, and sends the kept traces on, merged into few requests, each span tagged with the
 * policy that kept it.
 *
 * <p>Threading. {@link #consume} only groups the batch's spans by trace (encoding them compactly, off
 * the lock), files them under the lock, and returns: it never waits for I/O. One decision thread
 * ticks, decides the traces whose wait is over ({@code decision_wait} after their first span, or
 * {@code decision_wait_after_root_received} after their root span) and sends the kept ones
 * downstream. This is an asynchronous boundary: once a batch is accepted, a failure downstream can
 * only be counted ({@code traceyard_processor_dropped_items}) and logged.
 *
 * <p>Memory. Spans are held encoded (see {@link Fragment}) and counted in bytes. Memory in use is the
 * undecided traces plus the kept spans not yet sent. When a batch would take it over
 * {@code max_buffered_bytes}, or the undecided traces over {@code num_traces}, the oldest undecided
 * traces are decided early on what has arrived of them (counted by reason in
 * {@code traceyard_processor_tail_sampling_early_decisions}), never dropped unseen. Only if that
 * cannot make room (kept spans waiting for a slow downstream fill the budget) is the batch refused as
 * throttled, so memory never exceeds the budget.
 *
 * <p>Late spans. A decided trace leaves memory; its id stays in an LRU decision cache, so spans that
 * arrive later follow the decision: kept ones are sent at once, the others dropped and counted.
 */
final class TailSamplingProcessor implements Processor {
  static final Duration THROTTLED_RETRY_AFTER = Duration.ofSeconds(1);
  /** Kept traces are sent in requests of about this many spans (a trace is never split). */
  static final int MAX_SPANS_PER_REQUEST = 8192;
  /** Traces decided per step of a tick, so kept spans go out while the rest is still being decided. */
  private static final int DECIDE_CHUNK = 1024;
  private static final int MAX_ADMISSION_ROUNDS = 4;
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private final Consumer next;
  private final LongSupplier clock;
  private final long waitNanos;
  private final long afterRootNanos;
  private final long tickNanos;
  private final long maxBytes;
  private final int numTraces;
  private final boolean blockOnOverflow;
  private final boolean dropPendingOnShutdown;
  private final String name;
  private final PolicySet policies;
  private final PolicySet.Listener policyListener;
  private final Origin.Interner interner = new Origin.Interner();
  private final TraceAssembler assembler;
  private final TailSamplingMetrics tsMetrics;
  private final ProcessorMetrics metrics;
  private final Logger logger;
  private final RateLimitedLogger throttleLog;
  private final RateLimitedLogger forwardLog;

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when kept spans are queued for sending, and on stop. */
  private final Condition wake = lock.newCondition();
  /** One send at a time, so downstream gets kept traces in decision order. */
  private final ReentrantLock sendLock = new ReentrantLock();

  // Guarded by lock.
  /** Undecided and being-decided traces, in order of first arrival (oldest first). */
  private final LinkedHashMap<TraceKey, TraceBuffer> traces;
  /** Traces with an earlier deadline from their root span, in deadline order; may hold decided ones. */
  private final ArrayDeque<TraceBuffer> rootOrder = new ArrayDeque<>();
  private final DecisionCache<String> sampledCache;
  private final DecisionCache<Boolean> notSampledCache;
  private final ArrayDeque<Outgoing> outQueue = new ArrayDeque<>();
  private int bufferedTraces;
  private int decidingTraces;
  private long bufferedBytes;
  private long decidingBytes;
  private long outBytes;
  private boolean stopping;
  private Thread decider;

  // Kafka gateway mode (null / unused otherwise): see PartitionedTailSampler.
  private final PartitionLedger ledger;
  private final DecisionLog decisionLog;
  /** Per kept trace: the highest data offset already exported; replayed spans at or below it are duplicates. */
  private final DecisionCache<Long> exportedCache;
  private volatile boolean halted;

  TailSamplingProcessor(ComponentSettings settings, TailSamplingConfig config, Consumer next, LongSupplier clock) {
    this(settings, config, next, clock, null);
  }

  /** With a decision log: the Kafka gateway mode, fed through {@link #consume(Batch, int, long)}. */
  TailSamplingProcessor(ComponentSettings settings, TailSamplingConfig config, Consumer next, LongSupplier clock,
      DecisionLog decisionLog) {
    this.decisionLog = decisionLog;
    this.ledger = decisionLog == null ? null : new PartitionLedger();
    this.exportedCache = new DecisionCache<>(decisionLog == null ? 0 : config.sampledCacheSize());
    this.next = next;
    this.clock = clock;
    this.waitNanos = config.decisionWait().toNanos();
    this.afterRootNanos = config.decisionWaitAfterRootReceived().toNanos();
    this.tickNanos = config.tickInterval().toNanos();
    this.maxBytes = config.maxBufferedBytes();
    this.numTraces = config.numTraces();
    this.blockOnOverflow = config.blockOnOverflow();
    this.dropPendingOnShutdown = config.dropPendingTracesOnShutdown();
    this.name = settings.id().toString();
    this.policies = PolicySet.create(config.policies(), clock, config.sampleOnFirstMatch());
    this.assembler = new TraceAssembler(config.samplingPolicyAttribute());
    this.tsMetrics = new TailSamplingMetrics(settings.telemetry(), name, policies.names());
    this.policyListener = tsMetrics::policyDecision;
    this.metrics = settings.telemetry().processor(settings.id());
    this.logger = settings.logger();
    this.throttleLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    this.forwardLog = new RateLimitedLogger(logger, Duration.ofSeconds(10));
    long expected = config.expectedNewTracesPerSec() * Math.max(1, config.decisionWait().toSeconds());
    int capacity = (int) Math.min(numTraces, Math.max(16, expected));
    this.traces = new LinkedHashMap<>((int) (capacity / 0.75f) + 1);
    this.sampledCache = new DecisionCache<>(config.sampledCacheSize());
    this.notSampledCache = new DecisionCache<>(config.nonSampledCacheSize());
  }

  @Override
  public void start(Host host) {
    lock.lock();
    try {
      if (decider != null || stopping) {
        return;
      }
      decider = new Thread(this::runDecider, "traceyard-tail-sampling-" + name);
      decider.setDaemon(true);
      decider.start();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    return consume(batch, -1, -1);
  }

  /**
   * Takes a batch read from {@code offset} of Kafka data partition {@code partition} (gateway mode;
   * -1 otherwise): its new traces hold that offset in the {@link PartitionLedger} until decided.
   */
  ConsumeResult consume(Batch batch, int partition, long offset) {
    if (!(batch instanceof TraceBatch)) {
      return ConsumeResult.permanent("processor " + name + " (tail_sampling) takes traces only, got "
          + batch.signal().configName());
    }
    int spans = batch.itemCount();
    metrics.incoming(Signal.TRACES, spans);
    List<SpanGrouper.Group> groups;
    try {
      groups = SpanGrouper.group(((TraceBatch) batch).request(), interner);
    } catch (RuntimeException e) {
      logger.error("could not group a batch of {} spans by trace", spans, e);
      metrics.refused(Signal.TRACES, spans);
      return ConsumeResult.permanent("internal error in processor " + name + ": " + e);
    }
    if (groups.isEmpty()) {
      return ConsumeResult.success();
    }
    long largest = 0;
    for (SpanGrouper.Group g : groups) {
      largest += g.memoryBytes + TraceBuffer.OVERHEAD_BYTES;
    }
    if (largest > maxBytes) {
      metrics.refused(Signal.TRACES, spans);
      return ConsumeResult.permanent("a batch of " + spans + " spans needs " + largest + " bytes, more than "
          + "max_buffered_bytes (" + maxBytes + ") of processor " + name + "; raise max_buffered_bytes or send "
          + "smaller batches");
    }
    for (int round = 0; ; round++) {
      List<TraceBuffer> victims;
      boolean stopped;
      lock.lock();
      try {
        long[] room = room(groups);
        if (fits(room[0], (int) room[1])) {
          admit(groups, clock.getAsLong(), partition < 0 || ledger == null ? null : ledger.current(partition), offset);
          stopped = stopping;
          victims = null;
        } else {
          victims = blockOnOverflow || round >= MAX_ADMISSION_ROUNDS ? List.of() : evict(room[0], (int) room[1]);
          if (victims.isEmpty()) {
            return refuse(spans, room[0]);
          }
          stopped = false;
        }
      } finally {
        lock.unlock();
      }
      if (victims == null) {
        // After shutdown no decision thread is left: decide now, on the caller's thread.
        return stopped ? decideEverythingAndSend() : ConsumeResult.success();
      }
      decide(victims);
    }
  }

  /** The memory and new-trace slots the groups need: {@code [bytes, newTraces]}. Under lock. */
  private long[] room(List<SpanGrouper.Group> groups) {
    long bytes = 0;
    long newTraces = 0;
    for (SpanGrouper.Group g : groups) {
      if (traces.containsKey(g.key) || sampledCache.get(g.key) != null) {
        bytes += g.memoryBytes;
      } else if (notSampledCache.get(g.key) == null) {
        bytes += g.memoryBytes + TraceBuffer.OVERHEAD_BYTES;
        newTraces++;
      }
    }
    return new long[] {bytes, newTraces};
  }

  private long memoryInUse() {
    return bufferedBytes + decidingBytes + outBytes;
  }

  /**
   * Whether the need fits. The trace-count limit only binds while undecided traces remain, so a
   * batch with more traces than {@code num_traces} is still taken once the others are decided.
   */
  private boolean fits(long bytes, int newTraces) {
    return memoryInUse() + bytes <= maxBytes && (bufferedTraces == 0 || bufferedTraces + newTraces <= numTraces);
  }

  /**
   * Takes the oldest undecided traces out for an early decision until the need would fit if they
   * were all dropped (a kept one still holds memory until sent: the caller re-checks). Under lock.
   */
  private List<TraceBuffer> evict(long needBytes, int newTraces) {
    List<TraceBuffer> victims = new ArrayList<>();
    long freed = 0;
    Iterator<TraceBuffer> it = traces.values().iterator();
    while (it.hasNext()) {
      boolean overBytes = memoryInUse() - freed + needBytes > maxBytes;
      boolean overTraces = bufferedTraces > 0 && bufferedTraces + newTraces > numTraces;
      if (!overBytes && !overTraces) {
        break;
      }
      TraceBuffer t = it.next();
      if (t.state != TraceBuffer.State.BUFFERED) {
        continue;
      }
      markDeciding(t);
      victims.add(t);
      freed += t.memoryBytes;
      (overBytes ? tsMetrics.earlyForBytes : tsMetrics.earlyForNumTraces).inc();
    }
    return victims;
  }

  private ConsumeResult refuse(int spans, long needBytes) {
    metrics.refused(Signal.TRACES, spans);
    throttleLog.warn("tail sampling buffer full ({} bytes in use of {}, {} undecided traces of {}, {} bytes of kept "
        + "spans waiting to be sent): refusing {} spans; downstream is slower than the input or the budget is too small",
        memoryInUse(), maxBytes, bufferedTraces, numTraces, outBytes, spans);
    return ConsumeResult.throttled("tail_sampling processor " + name + " is full (" + memoryInUse() + " of " + maxBytes
        + " bytes in use, " + needBytes + " more needed)", THROTTLED_RETRY_AFTER);
  }

  /** Files every group: into its trace, or after its trace's decision if it comes late. Under lock, room checked. */
  private void admit(List<SpanGrouper.Group> groups, long now, PartitionLedger.Part part, long offset) {
    boolean queued = false;
    for (SpanGrouper.Group g : groups) {
      TraceBuffer t = traces.get(g.key);
      if (t != null) {
        if (part != null) {
          t.lastOffset = Math.max(t.lastOffset, offset);
        }
        if (t.state == TraceBuffer.State.BUFFERED) {
          t.append(g);
          bufferedBytes += g.memoryBytes;
          watchForRoot(t, g, now);
        } else {
          t.appendLate(g);
          decidingBytes += g.memoryBytes;
        }
        tsMetrics.bytes.inc(g.memoryBytes);
        continue;
      }
      String keptBy = sampledCache.get(g.key);
      if (keptBy != null) {
        Outgoing.Durable durable = null;
        if (part != null) {
          Long exported = exportedCache.get(g.key);
          if (exported != null && offset <= exported) {
            // Replayed after a move or crash: these spans were exported before the decision was stored.
            tsMetrics.replayDuplicates.inc(g.spanCount());
            continue;
          }
          part.hold(offset);
          durable = new Outgoing.Durable(g.key, part, offset, offset);
        }
        outQueue.add(new Outgoing(g.fragments, null, keptBy, g.spanCount(), g.memoryBytes, durable));
        outBytes += g.memoryBytes;
        tsMetrics.bytes.inc(g.memoryBytes);
        tsMetrics.lateSampled.inc(g.spanCount());
        queued = true;
      } else if (notSampledCache.get(g.key) != null) {
        tsMetrics.lateNotSampled.inc(g.spanCount());
        tsMetrics.sampledOutSpans.inc(g.spanCount());
      } else {
        t = new TraceBuffer(g.key, now, waitNanos);
        if (part != null) {
          t.part = part;
          t.firstOffset = offset;
          t.lastOffset = offset;
          part.hold(offset);
        }
        t.append(g);
        traces.put(g.key, t);
        bufferedTraces++;
        bufferedBytes += t.memoryBytes;
        tsMetrics.traces.inc();
        tsMetrics.bytes.inc(t.memoryBytes);
        watchForRoot(t, g, now);
      }
    }
    if (queued) {
      wake.signal();
    }
  }

  private void watchForRoot(TraceBuffer t, SpanGrouper.Group g, long now) {
    if (afterRootNanos > 0 && t.rootDeadlineNanos == Long.MAX_VALUE && g.stats.hasRootSpan()) {
      long due = now + afterRootNanos;
      if (due < t.deadlineNanos) {
        t.rootDeadlineNanos = due;
        rootOrder.addLast(t);
      }
    }
  }

  private void markDeciding(TraceBuffer t) {
    t.state = TraceBuffer.State.DECIDING;
    bufferedTraces--;
    decidingTraces++;
    bufferedBytes -= t.memoryBytes;
    decidingBytes += t.memoryBytes;
  }

  /**
   * Decides the traces whose wait is over and sends the kept ones. The decision thread calls it every
   * tick; tests call it directly with a manual clock.
   */
  void tick() {
    while (true) {
      List<TraceBuffer> due = new ArrayList<>();
      lock.lock();
      try {
        collectDue(clock.getAsLong(), due);
      } finally {
        lock.unlock();
      }
      if (!due.isEmpty()) {
        decide(due);
      }
      sendQueued();
      if (due.size() < DECIDE_CHUNK) {
        return;
      }
    }
  }

  /** Marks up to {@link #DECIDE_CHUNK} due traces as deciding. Under lock. */
  private void collectDue(long now, List<TraceBuffer> due) {
    while (!rootOrder.isEmpty() && rootOrder.peekFirst().rootDeadlineNanos <= now && due.size() < DECIDE_CHUNK) {
      TraceBuffer t = rootOrder.pollFirst();
      if (t.state == TraceBuffer.State.BUFFERED) {
        markDeciding(t);
        due.add(t);
      }
    }
    // First-arrival order is deadline order: stop at the first undecided trace not yet due.
    for (TraceBuffer t : traces.values()) {
      if (due.size() >= DECIDE_CHUNK) {
        return;
      }
      if (t.state != TraceBuffer.State.BUFFERED) {
        continue;
      }
      if (t.deadlineNanos > now) {
        return;
      }
      markDeciding(t);
      due.add(t);
    }
  }

  /** Evaluates the policies on traces marked deciding (off the lock), then records the outcomes. */
  private void decide(List<TraceBuffer> batch) {
    PolicySet.Verdict[] verdicts = new PolicySet.Verdict[batch.size()];
    for (int i = 0; i < verdicts.length; i++) {
      verdicts[i] = policies.evaluate(batch.get(i), policyListener);
    }
    List<Runnable> writes = ledger == null ? null : new ArrayList<>();
    lock.lock();
    try {
      long now = clock.getAsLong();
      boolean queued = false;
      for (int i = 0; i < verdicts.length; i++) {
        queued |= finish(batch.get(i), verdicts[i], now, writes);
      }
      if (queued) {
        wake.signal();
      }
    } finally {
      lock.unlock();
    }
    if (writes != null) {
      // Off the lock: a producer may block on metadata or a full buffer.
      writes.forEach(Runnable::run);
    }
  }

  /** Stores a decision; the held offset is released once it is durable. Never throws. */
  private void writeDecision(Outgoing.Durable d, boolean sampled, String policy) {
    DecisionRecord record = new DecisionRecord(d.key().high(), d.key().low(), sampled, policy,
        System.currentTimeMillis(), d.lastOffset());
    PartitionLedger.Part part = d.part();
    long held = d.holdOffset();
    try {
      decisionLog.write(part.partition, record, () -> part.release(held));
    } catch (RuntimeException e) {
      // The offset stays held: the partition's next owner replays and decides the trace again.
      forwardLog.warn("could not store the decision for a trace of partition {}: {}", part.partition, e.toString());
    }
  }

  /**
   * Records a decision; returns whether kept spans were queued for sending. Under lock. In gateway
   * mode, a dropped trace's decision is added to {@code writes}, to be stored after the lock.
   */
  private boolean finish(TraceBuffer t, PolicySet.Verdict verdict, long now, List<Runnable> writes) {
    traces.remove(t.key);
    t.state = TraceBuffer.State.DONE;
    decidingTraces--;
    tsMetrics.traces.dec();
    long memory = t.memoryBytes + t.lateMemoryBytes;
    decidingBytes -= memory;
    int spans = t.stats.spanCount() + t.lateSpans;
    if (t.part != null && !t.part.owned()) {
      // Its partition moved while the policies ran: the new owner replays and decides it.
      tsMetrics.handedOver.inc();
      tsMetrics.bytes.dec(memory);
      t.release();
      return false;
    }
    Outgoing.Durable durable = t.part == null ? null
        : new Outgoing.Durable(t.key, t.part, t.firstOffset, t.lastOffset);
    tsMetrics.decisionLatency.observe(Math.max(0, now - t.firstArrivalNanos) / 1e9);
    boolean queued = false;
    if (verdict.sampled()) {
      sampledCache.put(t.key, verdict.policy());
      List<Fragment> all = t.fragments;
      if (t.lateFragments != null) {
        all = new ArrayList<>(t.fragments);
        all.addAll(t.lateFragments);
      }
      outQueue.add(new Outgoing(all, t.decodedIfAny(), verdict.policy(), spans, memory, durable));
      outBytes += memory;
      tsMetrics.sampledTraces.inc();
      if (t.lateSpans > 0) {
        tsMetrics.lateSampled.inc(t.lateSpans);
      }
      queued = true;
    } else {
      notSampledCache.put(t.key, Boolean.TRUE);
      if (durable != null) {
        writes.add(() -> writeDecision(durable, false, ""));
      }
      tsMetrics.notSampledTraces.inc();
      tsMetrics.sampledOutSpans.inc(spans);
      if (t.lateSpans > 0) {
        tsMetrics.lateNotSampled.inc(t.lateSpans);
      }
      tsMetrics.bytes.dec(memory);
    }
    t.release();
    return queued;
  }

  /** Sends every queued kept trace, in requests of about {@link #MAX_SPANS_PER_REQUEST} spans. */
  private ConsumeResult sendQueued() {
    ConsumeResult result = ConsumeResult.success();
    sendLock.lock();
    try {
      while (true) {
        List<Outgoing> chunk = new ArrayList<>();
        int spans = 0;
        long memory = 0;
        lock.lock();
        try {
          if (halted) {
            return result;
          }
          while (!outQueue.isEmpty() && spans < MAX_SPANS_PER_REQUEST) {
            Outgoing o = outQueue.pollFirst();
            if (o.durable() != null && !o.durable().part().owned()) {
              // Its partition moved: the new owner replays these spans from the uncommitted offset.
              outBytes -= o.memoryBytes();
              tsMetrics.bytes.dec(o.memoryBytes());
              continue;
            }
            chunk.add(o);
            spans += o.spanCount();
            memory += o.memoryBytes();
          }
        } finally {
          lock.unlock();
        }
        if (chunk.isEmpty()) {
          return result;
        }
        try {
          ConsumeResult sent = send(chunk, spans);
          result = result.combine(sent);
          if (ledger != null) {
            recordSent(chunk, sent.isSuccess());
          }
        } finally {
          lock.lock();
          try {
            outBytes -= memory;
            tsMetrics.bytes.dec(memory);
          } finally {
            lock.unlock();
          }
        }
      }
    } finally {
      sendLock.unlock();
    }
  }

  /**
   * Gateway mode: after export, stores each kept trace's decision with its highest exported offset,
   * and only then lets its offsets be committed. Exporting first, storing second means a crash in
   * between replays the trace (a duplicate) instead of losing it.
   */
  private void recordSent(List<Outgoing> chunk, boolean exported) {
    List<Outgoing> done = new ArrayList<>();
    lock.lock();
    try {
      for (Outgoing o : chunk) {
        Outgoing.Durable d = o.durable();
        if (d == null) {
          continue;
        }
        if (exported) {
          Long before = exportedCache.get(d.key());
          exportedCache.put(d.key(), before == null ? d.lastOffset() : Math.max(before, d.lastOffset()));
          done.add(o);
        } else {
          // Counted as dropped by send(); holding the offset would stop the partition's commits for good.
          d.part().release(d.holdOffset());
        }
      }
    } finally {
      lock.unlock();
    }
    for (Outgoing o : done) {
      writeDecision(o.durable(), true, o.policy());
    }
  }

  private ConsumeResult send(List<Outgoing> chunk, int spans) {
    ExportTraceServiceRequest request;
    try {
      request = assembler.assemble(chunk);
    } catch (RuntimeException e) {
      metrics.dropped(Signal.TRACES, spans);
      logger.error("could not assemble {} kept spans for sending; dropped them", spans, e);
      return ConsumeResult.permanent("internal error in processor " + name + ": " + e);
    }
    metrics.outgoing(Signal.TRACES, spans);
    ConsumeResult r = callNext(new TraceBatch(request, spans));
    if (!r.isSuccess()) {
      metrics.dropped(Signal.TRACES, spans);
      forwardLog.warn("dropped {} spans of sampled traces: sending them downstream failed: {}", spans, r);
    } else if (r.rejectedItems() > 0) {
      forwardLog.warn("downstream rejected {} of {} spans of sampled traces: {}", r.rejectedItems(), spans, r.message());
    }
    return r;
  }

  /** Calls downstream, turning a contract breach (exception, null) into a failure instead of killing the caller. */
  private ConsumeResult callNext(Batch batch) {
    try {
      ConsumeResult r = next.consume(batch);
      return r == null ? ConsumeResult.permanent("internal error: consumer returned no result") : r;
    } catch (RuntimeException | LinkageError | AssertionError e) {
      logger.error("downstream threw while consuming {} spans of sampled traces", batch.itemCount(), e);
      return ConsumeResult.permanent("internal error: " + e);
    }
  }

  private void runDecider() {
    while (true) {
      lock.lock();
      try {
        if (stopping) {
          return;
        }
        if (outQueue.isEmpty()) {
          wake.awaitNanos(tickNanos);
        }
        if (stopping) {
          return;
        }
      } catch (InterruptedException e) {
        // Not how this thread is stopped (shutdown sets stopping); keep deciding.
        continue;
      } finally {
        lock.unlock();
      }
      try {
        tick();
      } catch (RuntimeException e) {
        logger.error("tail sampling tick failed; retrying at the next tick", e);
      }
    }
  }

  @Override
  public void shutdown() {
    Thread t;
    lock.lock();
    try {
      if (stopping || halted) {
        return;
      }
      stopping = true;
      wake.signalAll();
      t = decider;
    } finally {
      lock.unlock();
    }
    if (t != null) {
      try {
        t.join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        logger.warn("the decision thread is still sending after {}s; deciding the rest anyway", STOP_WAIT.toSeconds());
      }
    }
    if (dropPendingOnShutdown) {
      dropEverything();
    }
    decideEverythingAndSend();
  }

  /** Decides every buffered trace now, on what has arrived, and sends what is kept. */
  private ConsumeResult decideEverythingAndSend() {
    ConsumeResult result = ConsumeResult.success();
    while (true) {
      List<TraceBuffer> all = new ArrayList<>();
      lock.lock();
      try {
        for (TraceBuffer t : traces.values()) {
          if (t.state == TraceBuffer.State.BUFFERED && all.size() < DECIDE_CHUNK) {
            markDeciding(t);
            all.add(t);
          }
        }
      } finally {
        lock.unlock();
      }
      if (all.isEmpty()) {
        return result.combine(sendQueued());
      }
      decide(all);
      result = result.combine(sendQueued());
    }
  }

  /** {@code drop_pending_traces_on_shutdown}: drops undecided traces instead of deciding them. */
  private void dropEverything() {
    long spans = 0;
    int count = 0;
    lock.lock();
    try {
      for (TraceBuffer t : new ArrayList<>(traces.values())) {
        if (t.state != TraceBuffer.State.BUFFERED) {
          continue;
        }
        markDeciding(t);
        traces.remove(t.key);
        t.state = TraceBuffer.State.DONE;
        decidingTraces--;
        decidingBytes -= t.memoryBytes;
        tsMetrics.traces.dec();
        tsMetrics.bytes.dec(t.memoryBytes);
        spans += t.stats.spanCount();
        count++;
        t.release();
      }
    } finally {
      lock.unlock();
    }
    if (count > 0) {
      metrics.dropped(Signal.TRACES, spans);
      logger.warn("drop_pending_traces_on_shutdown: dropped {} undecided traces ({} spans)", count, spans);
    }
  }

  // ---- Kafka gateway mode (see PartitionedTailSampler) ----

  /** A partition was assigned: its stored decisions go into the decision caches before its data is read. */
  void assigned(int partition, Iterable<DecisionRecord> decisions) {
    ledger.assign(partition);
    lock.lock();
    try {
      for (DecisionRecord r : decisions) {
        TraceKey key = r.traceKey();
        if (r.sampled()) {
          sampledCache.put(key, r.policy());
          exportedCache.put(key, r.exportedOffset());
        } else {
          notSampledCache.put(key, Boolean.TRUE);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Partitions were revoked (or lost): their undecided traces and unsent kept spans are let go (the
   * next owner replays them from the uncommitted offset), sends in flight finish and their decisions
   * are stored, so that the receiver's last commit for them covers exactly what was done here.
   */
  void revoked(Collection<Integer> partitions) {
    int count = 0;
    lock.lock();
    try {
      for (int p : partitions) {
        ledger.revoke(p);
      }
      Iterator<TraceBuffer> it = traces.values().iterator();
      while (it.hasNext()) {
        TraceBuffer t = it.next();
        if (t.state != TraceBuffer.State.BUFFERED || t.part == null || t.part.owned()) {
          continue;
        }
        it.remove();
        t.state = TraceBuffer.State.DONE;
        bufferedTraces--;
        bufferedBytes -= t.memoryBytes;
        tsMetrics.traces.dec();
        tsMetrics.bytes.dec(t.memoryBytes);
        t.release();
        count++;
      }
      Iterator<Outgoing> out = outQueue.iterator();
      while (out.hasNext()) {
        Outgoing o = out.next();
        if (o.durable() != null && !o.durable().part().owned()) {
          out.remove();
          outBytes -= o.memoryBytes();
          tsMetrics.bytes.dec(o.memoryBytes());
        }
      }
    } finally {
      lock.unlock();
    }
    tsMetrics.handedOver.inc(count);
    // A send in flight holds sendLock: wait for it, then for its decisions to be stored.
    sendLock.lock();
    sendLock.unlock();
    decisionLog.flush();
    if (count > 0) {
      logger.info("partitions {} moved: {} undecided traces left to their next owner", partitions, count);
    }
  }

  long committable(int partition, long delivered) {
    return ledger.committable(partition, delivered);
  }

  int heldOffsetsForTest(int partition) {
    return ledger.holdCount(partition);
  }

  /**
   * Stops at once as a crashed process would: nothing more is decided, sent or stored, and no
   * commit follows. For tests of the gateway mode's recovery.
   */
  void halt() {
    lock.lock();
    try {
      halted = true;
      stopping = true;
      traces.clear();
      outQueue.clear();
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // For tests.
  long memoryInUseForTest() {
    lock.lock();
    try {
      return memoryInUse();
    } finally {
      lock.unlock();
    }
  }

  int undecidedTracesForTest() {
    lock.lock();
    try {
      return bufferedTraces + decidingTraces;
    } finally {
      lock.unlock();
    }
  }
}
