package dev.traceyard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ContextPropagationTest {

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
  private final Tracer tracer = provider.get("test");
  private final ExecutorService rawPool = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService rawScheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void tearDown() {
    rawPool.shutdownNow();
    rawScheduler.shutdownNow();
    provider.close();
  }

  /** Runs {@code work} inside a fresh parent span and returns the parent's context. */
  private SpanContext inParent(ThrowingRunnable work) throws Exception {
    Span parent = tracer.spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      work.run();
    } finally {
      parent.end();
    }
    return parent.getSpanContext();
  }

  private SpanContext childStartedIn(String name) {
    Span child = tracer.spanBuilder(name).startSpan();
    child.end();
    return child.getSpanContext();
  }

  private void assertChildOf(String childName, SpanContext parent) {
    assertThat(spans.getFinishedSpanItems())
        .filteredOn(span -> span.getName().equals(childName))
        .singleElement()
        .satisfies(
            child -> {
              assertThat(child.getTraceId()).isEqualTo(parent.getTraceId());
              assertThat(child.getParentSpanId()).isEqualTo(parent.getSpanId());
            });
  }

  @Test
  void executorServiceWorkStaysInTheSubmittersTrace() throws Exception {
    ExecutorService pool = ContextExecutors.wrap(rawPool);
    SpanContext parent =
        inParent(
            () -> {
              pool.submit(() -> childStartedIn("submitted")).get();
              pool.invokeAll(List.<Callable<SpanContext>>of(() -> childStartedIn("invoked"))).get(0).get();
            });
    assertChildOf("submitted", parent);
    assertChildOf("invoked", parent);
  }

  @Test
  void unwrappedPoolsLoseTheTraceWhichIsWhyTheWrapperExists() throws Exception {
    AtomicReference<SpanContext> seen = new AtomicReference<>();
    inParent(() -> rawPool.submit(() -> seen.set(childStartedIn("lost"))).get());
    assertThat(spans.getFinishedSpanItems())
        .filteredOn(span -> span.getName().equals("lost"))
        .singleElement()
        .satisfies(span -> assertThat(span.getParentSpanContext().isValid()).isFalse());
  }

  @Test
  void scheduledWorkRunsInTheSchedulersTrace() throws Exception {
    ScheduledExecutorService scheduler = ContextExecutors.wrap(rawScheduler);
    SpanContext parent =
        inParent(() -> scheduler.schedule(() -> childStartedIn("delayed"), 20, TimeUnit.MILLISECONDS).get());
    assertChildOf("delayed", parent);
  }

  @Test
  void virtualThreadExecutorNeedsJava21AndSaysSo() throws Exception {
    if (Runtime.version().feature() >= 21) {
      ExecutorService virtual = ContextExecutors.newVirtualThreadPerTaskExecutor();
      try {
        SpanContext parent = inParent(() -> virtual.submit(() -> childStartedIn("virtual")).get());
        assertChildOf("virtual", parent);
      } finally {
        virtual.shutdown();
      }
    } else {
      assertThatThrownBy(ContextExecutors::newVirtualThreadPerTaskExecutor)
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("Java 21");
    }
  }

  @Test
  void completableFutureStagesStayInTheTraceAcrossThreads() throws Exception {
    SpanContext parent =
        inParent(
            () ->
                ContextFutures.supplyAsync(() -> childStartedIn("supplied"))
                    .thenApplyAsync(previous -> childStartedIn("applied"), rawPool)
                    .thenCompose(previous -> ContextFutures.supplyAsync(() -> childStartedIn("composed"), rawPool))
                    .thenAccept(previous -> childStartedIn("accepted"))
                    .get(5, TimeUnit.SECONDS));
    assertChildOf("supplied", parent);
    assertChildOf("applied", parent);
    assertChildOf("composed", parent);
    assertChildOf("accepted", parent);
  }

  @Test
  void callbacksRunInTheContextTheyWereAddedInNotTheCompletingThreads() throws Exception {
    CompletableFuture<String> plain = new CompletableFuture<>();
    CompletableFuture<String> fromLibrary = new CompletableFuture<>();
    AtomicReference<CompletableFuture<SpanContext>> plainChild = new AtomicReference<>();
    AtomicReference<CompletableFuture<SpanContext>> guardedChild = new AtomicReference<>();
    SpanContext requestA =
        inParent(
            () -> {
              plainChild.set(plain.thenApply(v -> childStartedIn("plain-callback")));
              guardedChild.set(ContextFutures.propagating(fromLibrary).thenApply(v -> childStartedIn("guarded-callback")));
            });
    // another request completes both futures on its own thread, with its own span current
    SpanContext requestB =
        inParent(
            () -> {
              plain.complete("done");
              fromLibrary.complete("done");
            });
    plainChild.get().get(5, TimeUnit.SECONDS);
    guardedChild.get().get(5, TimeUnit.SECONDS);
    assertChildOf("guarded-callback", requestA);
    assertChildOf("plain-callback", requestB); // the leak ContextFutures prevents
  }

  @Test
  void recoveryStagesStayInTheTraceToo() throws Exception {
    CompletableFuture<String> failing = new CompletableFuture<>();
    AtomicReference<CompletableFuture<String>> recovered = new AtomicReference<>();
    SpanContext parent =
        inParent(
            () ->
                recovered.set(
                    // on an unwrapped pool: only the stage's own wrapping can carry the context
                    ContextFutures.propagating(failing)
                        .exceptionallyAsync(
                            error -> {
                              childStartedIn("recovered");
                              return "fallback";
                            },
                            rawPool)));
    inParent(() -> failing.completeExceptionally(new IllegalStateException("boom")));
    recovered.get().get(5, TimeUnit.SECONDS);
    assertChildOf("recovered", parent);
  }

  @Test
  void runAsyncOnTheCommonPoolKeepsTheContext() throws Exception {
    SpanContext parent = inParent(() -> ContextFutures.runAsync(() -> childStartedIn("ran")).get(5, TimeUnit.SECONDS));
    assertChildOf("ran", parent);
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
