package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MessagingTest {

  private final RecordingSdk recording = new RecordingSdk();
  private final TraceyardSdk sdk = recording.sdk;
  private final Messaging messaging = Messaging.create(sdk, "traceyard-queue");

  record Message(Map<String, String> headers, String body) {}

  @AfterEach
  void tearDown() {
    recording.close();
  }

  private List<SpanData> finished() {
    return recording.finished();
  }

  private SpanData named(String name) {
    return finished().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void producerAndConsumerSpansFormOneTraceThroughAQueueWithBaggage() throws Exception {
    BlockingQueue<Message> queue = new ArrayBlockingQueue<>(10);
    Span request = sdk.getTracer("test").spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope ignored = Context.current().with(request).with(Baggage.builder().put("tenant", "acme").build()).makeCurrent()) {
      Map<String, String> headers = new HashMap<>();
      Span send = messaging.startSend("payments", headers);
      try {
        queue.put(new Message(headers, "charge 42"));
      } finally {
        send.end();
      }
    } finally {
      request.end();
    }

    AtomicReference<String> tenantSeenByConsumer = new AtomicReference<>();
    Thread consumer =
        new Thread(
            () -> {
              try {
                Message message = queue.take();
                messaging.process(
                    "payments",
                    message.headers(),
                    () -> {
                      tenantSeenByConsumer.set(Baggage.current().getEntryValue("tenant"));
                      sdk.getTracer("test").spanBuilder("charge card").startSpan().end();
                    });
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    consumer.start();
    consumer.join(TimeUnit.SECONDS.toMillis(10));

    SpanData server = named("POST /checkout");
    SpanData producer = named("send payments");
    SpanData process = named("process payments");
    SpanData work = named("charge card");
    assertThat(producer.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(producer.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(process.getParentSpanId()).isEqualTo(producer.getSpanId());
    assertThat(work.getParentSpanId()).isEqualTo(process.getSpanId());
    assertThat(List.of(producer, process, work)).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(server.getTraceId()));
    assertThat(producer.getAttributes().get(Messaging.SYSTEM)).isEqualTo("traceyard-queue");
    assertThat(producer.getAttributes().get(Messaging.DESTINATION)).isEqualTo("payments");
    assertThat(producer.getAttributes().get(Messaging.OPERATION_TYPE)).isEqualTo("send");
    assertThat(process.getAttributes().get(Messaging.OPERATION_TYPE)).isEqualTo("process");
    assertThat(tenantSeenByConsumer.get()).isEqualTo("acme");
  }

  @Test
  void headerSetterAndGetterFunctionsWorkLikeMaps() {
    Map<String, String> wire = new HashMap<>();
    Span send = messaging.startSend("orders", (name, value) -> wire.put(name.toUpperCase(), value));
    send.end();
    Span process = messaging.startProcess("orders", name -> wire.get(name.toUpperCase()));
    process.end();
    assertThat(named("process orders").getParentSpanId()).isEqualTo(send.getSpanContext().getSpanId());
  }

  @Test
  void aBatchIsOneConsumerSpanLinkedToEachMessagesProducer() {
    List<Map<String, String>> batch = new ArrayList<>();
    List<String> producerSpanIds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Map<String, String> headers = new HashMap<>();
      Span send = messaging.startSend("events", headers); // three separate traces
      send.end();
      producerSpanIds.add(send.getSpanContext().getSpanId());
      batch.add(headers);
    }
    batch.add(Map.of()); // a message from an uninstrumented producer: counted, not linked
    Span poll = sdk.getTracer("test").spanBuilder("poll loop").startSpan();
    try (Scope ignored = poll.makeCurrent()) {
      messaging.startProcessBatch("events", batch).end();
    } finally {
      poll.end();
    }
    SpanData process = named("process events");
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(process.getParentSpanId()).isEqualTo(poll.getSpanContext().getSpanId());
    assertThat(process.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getSpanId())
        .containsExactlyInAnyOrderElementsOf(producerSpanIds);
    assertThat(process.getAttributes().get(Messaging.BATCH_COUNT)).isEqualTo(4L);
  }

  @Test
  void aFailingHandlerMarksTheConsumerSpanAndRethrows() {
    Map<String, String> headers = new HashMap<>();
    messaging.startSend("payments", headers).end();
    assertThatThrownBy(
            () -> messaging.process("payments", headers, () -> {
              throw new IllegalStateException("card declined");
            }))
        .hasMessage("card declined");
    SpanData process = named("process payments");
    assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(process.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
  }

  @Test
  void refusesBlankSystemOrDestination() {
    assertThatThrownBy(() -> Messaging.create(sdk, " ")).hasMessageContaining("system");
    assertThatThrownBy(() -> messaging.startSend("", new HashMap<>())).hasMessageContaining("destination");
  }
}
