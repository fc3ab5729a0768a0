package dev.traceyard.collector.service;

import dev.traceyard.collector.consumer.ConsumeResult;
import dev.traceyard.collector.consumer.Consumer;
import dev.traceyard.collector.data.Batch;
import java.util.List;

/** Hands the same immutable batch to several consumers and combines their results. */
final class FanoutConsumer implements Consumer {
  private final Consumer[] consumers;

  private FanoutConsumer(List<Consumer> consumers) {
    this.consumers = consumers.toArray(new Consumer[0]);
  }

  static Consumer of(List<Consumer> consumers) {
    return consumers.size() == 1 ? consumers.get(0) : new FanoutConsumer(consumers);
  }

  @Override
  public ConsumeResult consume(Batch batch) {
    ConsumeResult result = ConsumeResult.success();
    for (Consumer c : consumers) {
      result = result.combine(Guarded.consume(c, batch));
    }
    return result;
  }
}
