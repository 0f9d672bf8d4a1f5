package io.lckv.engine;

import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.text.Tokenizer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine: accepts requests from any thread and runs them on one loop thread that owns the
 * model runner. Neither the runner nor the tokenizer is closed by the engine; whoever created them
 * closes them after {@link #close()}.
 */
public final class Engine implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  private final Object signal = new Object();
  private final Scheduler scheduler;
  private final Thread loop;
  private final AtomicInteger cancelledByDrain = new AtomicInteger();
  // Guarded by signal.
  private boolean closed;
  private boolean draining;
  /**
   * No request is queued or running: set by the loop when it runs out of work, cleared by an
   * accepted submission.
   */
  private boolean idle = true;
  /** Set once a drain's time is up: the loop cancels whatever is left. */
  private volatile boolean cancelling;

  private Engine(ModelRunner runner, Tokenizer tokenizer, EngineConfig config) {
    this.scheduler = new Scheduler(runner, tokenizer, config, System::nanoTime, this::wake);
    // A platform thread: the loop spends its time in native model code, which would pin a
    // virtual thread's carrier anyway.
    this.loop = Thread.ofPlatform().name("lckv-engine-loop").daemon().unstarted(this::runLoop);
  }

  public static Engine start(ModelRunner runner, Tokenizer tokenizer, EngineConfig config) {
    var engine = new Engine(runner, tokenizer, config);
    engine.loop.start();
    return engine;
  }

  /**
   * Submits a request. Capacity problems come back as {@link SubmitResult.Overloaded}, never as an
   * exception.
   *
   * @throws InvalidParameterException when the request cannot run on this model
   * @throws IllegalStateException once {@link #drain} or {@link #close()} was called
   */
  public SubmitResult submit(GenerationRequest request) {
    synchronized (signal) {
      if (closed) {
        throw new IllegalStateException("the engine is closed");
      }
      if (draining) {
        throw new IllegalStateException("the engine is draining");
      }
      SubmitResult result = scheduler.submit(request);
      if (result instanceof SubmitResult.Accepted) {
        // Before the loop wakes up to it, so that a drain starting now does not see it idle.
        idle = false;
      }
      signal.notifyAll();
      return result;
    }
  }

  /**
   * Stops taking requests ({@link #submit} throws from now on) and gives the queued and running
   * ones up to {@code timeout} to end on their own; then cancels the rest, which end with {@link
   * FinishReason#CANCELLED}, and waits until they have. On return no request is left and the KV
   * pool is empty; {@link #close()} is still to be called. Calling it again, or after close,
   * returns at once.
   *
   * @return how many requests had to be cancelled
   */
  public int drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      draining = true;
      for (long left = timeout.toNanos(); !idle && left > 0; left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
      if (!idle) {
        cancelling = true;
        signal.notifyAll();
        while (!idle) {
          signal.wait();
        }
      }
    }
    return cancelledByDrain.getAndSet(0);
  }

  public EngineStats stats() {
    return scheduler.stats();
  }

  /**
   * The most tokens a request with a prompt of {@code promptTokens} tokens and no StreamingLLM
   * window may ask for on this model and pool; 0 when the prompt alone does not fit. A server
   * uses it where the client leaves {@code max_tokens} open.
   */
  public int maxTokensFor(int promptTokens) {
    return scheduler.maxTokensFor(promptTokens);
  }

  public ModelSpec model() {
    return scheduler.spec();
  }

  /** Stops the loop; requests still queued or running end with an error. */
  @Override
  public void close() {
    synchronized (signal) {
      closed = true;
      signal.notifyAll();
    }
    try {
      loop.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  private void runLoop() {
    while (awaitWork()) {
      try {
        if (cancelling) {
          cancelledByDrain.addAndGet(scheduler.cancelAll());
        }
        scheduler.runIteration();
      } catch (RuntimeException | Error e) {
        // Not a failed model step (those end only their own requests) but something worse, e.g.
        // an Error out of the runner: steps may be half-prepared, so every admitted request ends
        // and the loop carries on from clean books; queued requests keep their place.
        LOG.log(System.Logger.Level.ERROR, "engine iteration failed; ending running requests", e);
        scheduler.abortRunning("engine iteration failed: " + e);
      }
    }
    scheduler.abortAll("engine closed");
    synchronized (signal) {
      idle = true;
      signal.notifyAll();
    }
  }

  private boolean awaitWork() {
    synchronized (signal) {
      while (!closed && !scheduler.hasWork()) {
        idle = true;
        // A drain waits for this.
        signal.notifyAll();
        try {
          signal.wait();
        } catch (InterruptedException e) {
          closed = true;
        }
      }
      idle = false;
      return !closed;
    }
  }
}
