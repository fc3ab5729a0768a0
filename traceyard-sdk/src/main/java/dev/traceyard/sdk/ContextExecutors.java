package dev.traceyard.sdk;

import io.opentelemetry.context.Context;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Executors whose tasks run in the {@link Context} current when they were submitted, so work handed to a
 * pool stays in the caller's trace. Thin names over {@link Context#taskWrapping}: the OpenTelemetry API
 * does the wrapping, these make it findable and cover virtual threads.
 *
 * <p>The context is captured at submission: start the parent span and make it current first, then
 * submit (see docs/sdk.md, "async recipes").
 */
public final class ContextExecutors {

  private ContextExecutors() {}

  public static Executor wrap(Executor executor) {
    return Context.taskWrapping(executor);
  }

  /** Also covers {@code invokeAll}/{@code invokeAny}; any {@code ExecutorService}, virtual-thread ones included. */
  public static ExecutorService wrap(ExecutorService executor) {
    return Context.taskWrapping(executor);
  }

  /** Delayed and periodic tasks run in the context of the code that scheduled them. */
  public static ScheduledExecutorService wrap(ScheduledExecutorService executor) {
    return Context.taskWrapping(executor);
  }

  /** A fixed pool whose tasks keep their submitter's context. */
  public static ExecutorService newFixedThreadPool(int threads) {
    return wrap(Executors.newFixedThreadPool(threads));
  }

  /**
   * Java 21+: {@code Executors.newVirtualThreadPerTaskExecutor()} wrapped so each virtual thread runs in
   * its submitter's context. Virtual threads, like platform threads, start with an empty context.
   *
   * @throws UnsupportedOperationException on Java 17-20, which have no virtual threads
   */
  public static ExecutorService newVirtualThreadPerTaskExecutor() {
    ExecutorService virtual;
    try {
      virtual =
          (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (NoSuchMethodException e) {
      throw new UnsupportedOperationException(
          "virtual threads need Java 21 or later (running on Java "
              + Runtime.version().feature()
              + "): use ContextExecutors.wrap(ExecutorService) with a platform thread pool",
          e);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("could not create a virtual thread executor", e);
    }
    return wrap(virtual);
  }
}
