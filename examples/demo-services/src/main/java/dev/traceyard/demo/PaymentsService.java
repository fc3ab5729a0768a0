package dev.traceyard.demo;

import dev.traceyard.sdk.Messaging;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code payments}: consumes the payment requests checkout puts on the queue, one CONSUMER span per
 * message continuing checkout's trace (context extracted from the message headers by {@link Messaging}).
 */
final class PaymentsService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoOptions.Service.PAYMENTS.loggerName());

  /** What a card network answers now and then. */
  static final class CardDeclinedException extends RuntimeException {
    CardDeclinedException(String message) {
      super(message);
    }
  }

  private final ServiceTelemetry telemetry;
  private final Dice dice;
  private final PaymentQueue queue;
  private final Messaging messaging;
  private final Thread consumer;
  private final AtomicLong processed = new AtomicLong();
  private volatile boolean running = true;

  PaymentsService(ServiceTelemetry telemetry, Dice dice, PaymentQueue queue) {
    this.telemetry = telemetry;
    this.dice = dice;
    this.queue = queue;
    this.messaging = Messaging.create(telemetry.openTelemetry(), PaymentQueue.SYSTEM);
    this.consumer = new Thread(this::consume, "payments-consumer");
    consumer.setDaemon(true);
    consumer.start();
  }

  /** Messages handled (successfully or not) since start. */
  long processed() {
    return processed.get();
  }

  private void consume() {
    while (running) {
      PaymentQueue.Message message;
      try {
        message = queue.poll(Duration.ofMillis(200));
      } catch (InterruptedException e) {
        return;
      }
      if (message == null) {
        continue;
      }
      try {
        messaging.process(PaymentQueue.DESTINATION, message.headers(), () -> charge(message.body()));
      } catch (CardDeclinedException e) {
        // already recorded on the CONSUMER span by Messaging.process and logged by charge() in the trace
      } catch (RuntimeException e) {
        log.error("payment handler failed unexpectedly", e);
      } finally {
        processed.incrementAndGet();
      }
    }
  }

  private void charge(String body) {
    log.info("charging {}", body);
    Span authorize = telemetry.tracer().spanBuilder("authorize card").startSpan();
    try (Scope ignored = authorize.makeCurrent()) {
      Dice.work(dice.slow() ? dice.millis(300, 1200) : dice.millis(5, 40));
      if (dice.fails()) {
        CardDeclinedException declined = new CardDeclinedException("card declined: insufficient funds");
        authorize.recordException(declined);
        authorize.setStatus(StatusCode.ERROR, declined.getMessage());
        log.error("payment for {} declined", body, declined);
        throw declined;
      }
    } finally {
      authorize.end();
    }
    Dice.work(dice.millis(1, 5));
    log.info("payment captured for {}", body);
  }

  @Override
  public void close() {
    running = false;
    consumer.interrupt();
    try {
      consumer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
