package dev.traceyard.sdk;

import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link CompletableFuture}s whose callbacks run in the {@link Context} that was current when each stage
 * was added, whichever thread completes the future. Without this a {@code thenApply} runs in the context
 * of the thread that happens to complete the previous stage (often a pool thread with no span, or worse,
 * another request's), and {@code supplyAsync} on the common pool starts with no context at all.
 *
 * <p>{@code ContextFutures.supplyAsync(...)} and {@link #propagating(CompletionStage)} return futures
 * that keep doing this down the whole chain, every stage method included. For a single callback on a
 * plain future, {@code Context.current().wrapFunction(fn)} from the OpenTelemetry API is enough.
 */
public final class ContextFutures {

  private ContextFutures() {}

  /** {@link CompletableFuture#supplyAsync(Supplier)} in the caller's context, on the common pool. */
  public static <T> CompletableFuture<T> supplyAsync(Supplier<T> supplier) {
    return new PropagatingFuture<T>().completeAsync(supplier);
  }

  /** {@link CompletableFuture#supplyAsync(Supplier, Executor)} in the caller's context. */
  public static <T> CompletableFuture<T> supplyAsync(Supplier<T> supplier, Executor executor) {
    return new PropagatingFuture<T>().completeAsync(supplier, executor);
  }

  /** {@link CompletableFuture#runAsync(Runnable)} in the caller's context, on the common pool. */
  public static CompletableFuture<Void> runAsync(Runnable task) {
    return supplyAsync(asSupplier(task));
  }

  /** {@link CompletableFuture#runAsync(Runnable, Executor)} in the caller's context. */
  public static CompletableFuture<Void> runAsync(Runnable task, Executor executor) {
    return supplyAsync(asSupplier(task), executor);
  }

  /**
   * A future completed with {@code stage}'s outcome whose later stages run in the context current when
   * each is added. Use it on futures from libraries (HTTP clients, drivers) before chaining.
   */
  public static <T> CompletableFuture<T> propagating(CompletionStage<T> stage) {
    PropagatingFuture<T> future = new PropagatingFuture<>();
    stage.whenComplete(
        (value, error) -> {
          if (error != null) {
            future.completeExceptionally(error);
          } else {
            future.complete(value);
          }
        });
    return future;
  }

  private static Supplier<Void> asSupplier(Runnable task) {
    return () -> {
      task.run();
      return null;
    };
  }

  private static Context c() {
    return Context.current();
  }

  /** Wraps each callback at the moment its stage is created. */
  private static final class PropagatingFuture<T> extends CompletableFuture<T> {

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new PropagatingFuture<>();
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
      return super.thenApply(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn) {
      return super.thenApplyAsync(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor) {
      return super.thenApplyAsync(c().wrapFunction(fn), executor);
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
      return super.thenAccept(c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<Void> thenAcceptAsync(Consumer<? super T> action) {
      return super.thenAcceptAsync(c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<Void> thenAcceptAsync(Consumer<? super T> action, Executor executor) {
      return super.thenAcceptAsync(c().wrapConsumer(action), executor);
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
      return super.thenRun(c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> thenRunAsync(Runnable action) {
      return super.thenRunAsync(c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> thenRunAsync(Runnable action, Executor executor) {
      return super.thenRunAsync(c().wrap(action), executor);
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
      return super.thenCombine(other, c().wrapFunction(fn));
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
      return super.thenCombineAsync(other, c().wrapFunction(fn));
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor) {
      return super.thenCombineAsync(other, c().wrapFunction(fn), executor);
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
      return super.thenAcceptBoth(other, c().wrapConsumer(action));
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
      return super.thenAcceptBothAsync(other, c().wrapConsumer(action));
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor) {
      return super.thenAcceptBothAsync(other, c().wrapConsumer(action), executor);
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
      return super.runAfterBoth(other, c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action) {
      return super.runAfterBothAsync(other, c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor) {
      return super.runAfterBothAsync(other, c().wrap(action), executor);
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
      return super.applyToEither(other, c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn) {
      return super.applyToEitherAsync(other, c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor) {
      return super.applyToEitherAsync(other, c().wrapFunction(fn), executor);
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
      return super.acceptEither(other, c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action) {
      return super.acceptEitherAsync(other, c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor) {
      return super.acceptEitherAsync(other, c().wrapConsumer(action), executor);
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
      return super.runAfterEither(other, c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action) {
      return super.runAfterEitherAsync(other, c().wrap(action));
    }

    @Override
    public CompletableFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor) {
      return super.runAfterEitherAsync(other, c().wrap(action), executor);
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
      return super.thenCompose(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn) {
      return super.thenComposeAsync(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor) {
      return super.thenComposeAsync(c().wrapFunction(fn), executor);
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
      return super.handle(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn) {
      return super.handleAsync(c().wrapFunction(fn));
    }

    @Override
    public <U> CompletableFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor) {
      return super.handleAsync(c().wrapFunction(fn), executor);
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
      return super.whenComplete(c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action) {
      return super.whenCompleteAsync(c().wrapConsumer(action));
    }

    @Override
    public CompletableFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor) {
      return super.whenCompleteAsync(c().wrapConsumer(action), executor);
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
      return super.exceptionally(c().wrapFunction(fn));
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
      return super.completeAsync(c().wrapSupplier(supplier), executor);
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
      return super.completeAsync(c().wrapSupplier(supplier));
    }

    @Override
    public CompletableFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn) {
      return super.exceptionallyAsync(c().wrapFunction(fn));
    }

    @Override
    public CompletableFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor) {
      return super.exceptionallyAsync(c().wrapFunction(fn), executor);
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
      return super.exceptionallyCompose(c().wrapFunction(fn));
    }

    @Override
    public CompletableFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn) {
      return super.exceptionallyComposeAsync(c().wrapFunction(fn));
    }

    @Override
    public CompletableFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn, Executor executor) {
      return super.exceptionallyComposeAsync(c().wrapFunction(fn), executor);
    }

    @Override
    public CompletableFuture<T> toCompletableFuture() {
      return this;
    }
  }
}
