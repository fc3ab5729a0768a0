package dev.traceyard.demo;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue between checkout and payments: in-process, bounded, each message a body plus string headers
 * (the trace context travels in them, as it would in a broker's message headers).
 */
final class PaymentQueue {

  static final String DESTINATION = "payments";
  static final String SYSTEM = "traceyard-demo-queue";

  record Message(String body, Map<String, String> headers) {
    Message {
      headers = Map.copyOf(headers);
    }
  }

  private final BlockingQueue<Message> queue;
  private final AtomicLong refused = new AtomicLong();

  PaymentQueue(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** False when the queue is full: the caller decides what a refused payment means. */
  boolean offer(Message message) {
    boolean accepted = queue.offer(message);
    if (!accepted) {
      refused.incrementAndGet();
    }
    return accepted;
  }

  Message poll(Duration timeout) throws InterruptedException {
    return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  long refused() {
    return refused.get();
  }

  int size() {
    return queue.size();
  }
}
