package dev.traceyard.collector.service;

import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Last line of defence: a component that throws despite its contract must not take the receiver down. */
final class Guarded {
  private static final Logger LOG = LoggerFactory.getLogger(Guarded.class);

  private Guarded() {}

  static ConsumeResult consume(Consumer c, Batch batch) {
    try {
      ConsumeResult r = c.consume(batch);
      return r == null ? ConsumeResult.permanent("internal error: consumer returned no result") : r;
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw (VirtualMachineError) e;
      }
      LOG.error("component threw while consuming a batch of {} items; refusing it as retryable", batch.itemCount(), e);
      return ConsumeResult.retryable("internal error: " + e, null);
    }
  }
}
