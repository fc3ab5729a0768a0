package dev.traceyard.collector.service;

import dev.traceyard.collector.component.Signal;
import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import java.util.Map;

/** What a receiver is given: routes each batch to the pipelines of its signal. */
final class SignalRouter implements Consumer {
  private final Consumer[] bySignal = new Consumer[Signal.values().length];

  SignalRouter(Map<Signal, Consumer> routes) {
    routes.forEach((s, c) -> bySignal[s.ordinal()] = c);
  }

  /** Sets a route; only while the graph is being built, before any component starts. */
  void set(Signal signal, Consumer consumer) {
    bySignal[signal.ordinal()] = consumer;
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    Consumer c = bySignal[batch.signal().ordinal()];
    if (c == null) {
      return ConsumeResult.permanent("no " + batch.signal().configName() + " pipeline takes data from this component");
    }
    return Guarded.consume(c, batch);
  }
}
