package io.lckv.engine;

import io.lckv.engine.runner.ModelRunner;
import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.text.Tokenizer;

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
  private boolean closed;

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
   * @throws IllegalStateException after {@link #close()}
   */
  public SubmitResult submit(GenerationRequest request) {
    synchronized (signal) {
      if (closed) {
        throw new IllegalStateException("the engine is closed");
      }
      SubmitResult result = scheduler.submit(request);
      signal.notifyAll();
      return result;
    }
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
  }

  private boolean awaitWork() {
    synchronized (signal) {
      while (!closed && !scheduler.hasWork()) {
        try {
          signal.wait();
        } catch (InterruptedException e) {
          closed = true;
        }
      }
      return !closed;
    }
  }
}
