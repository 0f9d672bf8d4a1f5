package io.lckv.server.model;

import io.lckv.engine.Engine;
import io.lckv.engine.EngineConfig;
import io.lckv.engine.EngineStats;
import io.lckv.engine.FinishReason;
import io.lckv.engine.GenerationEvent;
import io.lckv.engine.GenerationHandle;
import io.lckv.engine.GenerationRequest;
import io.lckv.engine.SubmitResult;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.engine.text.Tokenizer;
import io.lckv.server.ServerConfig;
import io.lckv.server.chat.ChatTemplate;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Owns the served model: opens it through the {@link ModelBackend} at startup, starts the engine
 * over it, runs a one-token generation, and only then declares it ready. Loading runs on its own
 * thread so the process answers health probes (and says "loading") meanwhile. At shutdown it
 * drains the engine while HTTP still serves, then closes engine and model.
 */
@ApplicationScoped
public class ServedModel {

  private static final Logger LOG = Logger.getLogger(ServedModel.class);

  /** Where loading got to. */
  public sealed interface Status {
    record Loading() implements Status {}

    record Ready(Serving serving) implements Status {}

    record Failed(String reason) implements Status {}
  }

  private final ServerConfig config;
  private final Instance<ModelBackend> backends;
  private volatile Status status = new Status.Loading();
  private volatile boolean draining;

  // What close() must release, and whether it ran; guarded by this.
  private LoadedModel model;
  private Engine engine;
  private boolean closed;

  ServedModel(ServerConfig config, Instance<ModelBackend> backends) {
    this.config = config;
    this.backends = backends;
  }

  public Status status() {
    return status;
  }

  /** Whether a drain has begun: from then on the model takes no new request. */
  public boolean draining() {
    return draining;
  }

  /** The engine's gauges, once an engine runs. */
  public Optional<EngineStats> stats() {
    return status instanceof Status.Ready(Serving serving)
        ? Optional.of(serving.engine().stats())
        : Optional.empty();
  }

  void onStart(@Observes StartupEvent event) {
    Thread.ofPlatform().name("lckv-model-loader").start(this::load);
  }

  /**
   * Quarkus fires this on SIGTERM before it stops serving HTTP (with {@code
   * quarkus.shutdown.delay-enabled}), and waits for its observers: the streams in flight keep
   * writing while the drain runs.
   */
  void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent event) {
    try {
      drain(config.drainTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    close();
  }

  /**
   * Takes no new request from now on, gives those queued or running up to {@code timeout} to
   * end, then cancels the rest; returns once none is left. Draining again returns at once.
   */
  public void drain(Duration timeout) throws InterruptedException {
    Engine running;
    synchronized (this) {
      draining = true;
      running = engine;
    }
    if (running == null) {
      return;
    }
    EngineStats before = running.stats();
    LOG.infof(
        "draining: %d running and %d waiting requests have up to %d ms to end; new ones get 503",
        before.running(), before.waiting(), timeout.toMillis());
    long start = System.nanoTime();
    int cancelled = running.drain(timeout);
    LOG.infof(
        "drained in %d ms; requests cancelled at the drain timeout: %d",
        (System.nanoTime() - start) / 1_000_000, cancelled);
  }

  private void load() {
    long start = System.nanoTime();
    try {
      if (backends.isUnsatisfied()) {
        throw new IllegalStateException("no model backend in this build");
      }
      Serving serving = open(backends.get());
      status = new Status.Ready(serving);
      LOG.infof(
          "model %s ready (loaded and warmed up in %d ms, %d ms after process start)",
          serving.name(), (System.nanoTime() - start) / 1_000_000,
          ManagementFactory.getRuntimeMXBean().getUptime());
    } catch (Exception | LinkageError e) {
      close();
      String reason = e.getMessage() != null ? e.getMessage() : e.toString();
      status = new Status.Failed(reason);
      LOG.errorf(e, "model %s cannot serve: %s", config.modelPath(), reason);
    }
  }

  private Serving open(ModelBackend backend) throws Exception {
    var options =
        new ModelOptions(
            config.modelPath(), config.device(), config.kvCacheBytes(), config.kvBlockSize(),
            config.modelCache(),
            config.cpuThreads().orElse(Runtime.getRuntime().availableProcessors()),
            config.keepPrepackedWeights());
    LoadedModel loaded = backend.open(options);
    ChatTemplate template;
    Engine started;
    synchronized (this) {
      model = loaded;
      if (closed) {
        throw new IllegalStateException("shutting down");
      }
      template = ChatTemplate.of(loaded.tokenizerConfig());
      started =
          Engine.start(
              loaded.runner(), loaded.tokenizer(),
              new EngineConfig(
                  config.maxBatch(), config.maxTokensPerStep(), config.maxReferenceSpanTokens(),
                  config.maxWaiting()));
      engine = started;
    }
    warmUp(started, loaded.tokenizer());
    return new Serving(config.modelName(), started, loaded.tokenizer(), template, Instant.now());
  }

  /** One greedy token through the whole stack: ready means a real forward step has run. */
  private static void warmUp(Engine engine, Tokenizer tokenizer) throws InterruptedException {
    var request = GenerationRequest.of(tokenizer.encode("hello", true), SamplingParams.greedy(1));
    if (!(engine.submit(request) instanceof SubmitResult.Accepted(GenerationHandle handle))) {
      throw new IllegalStateException("the engine turned the warm-up request away");
    }
    GenerationEvent event = handle.nextEvent();
    while (!(event instanceof GenerationEvent.Finished finished)) {
      event = handle.nextEvent();
    }
    if (finished.reason() != FinishReason.STOP && finished.reason() != FinishReason.LENGTH) {
      throw new IllegalStateException(
          "the warm-up generation failed: " + finished.error().orElse(finished.reason().name()));
    }
  }

  /** Stops the engine, then closes the model; safe to call more than once. */
  private synchronized void close() {
    closed = true;
    if (engine != null) {
      logPoolAtExit(engine.stats());
      engine.close();
      engine = null;
    }
    if (model != null) {
      try {
        model.close();
      } catch (Exception e) {
        LOG.warn("closing the model failed", e);
      }
      model = null;
    }
  }

  /** After a drain the pool is empty; anything else is ended with an error by the close. */
  private static void logPoolAtExit(EngineStats stats) {
    if (stats.equals(new EngineStats(0, 0, 0, 0))) {
      LOG.info("KV pool at exit: empty, no request running or waiting");
    } else {
      LOG.warnf(
          "KV pool at exit: %.1f %% of blocks in use, %d requests running and %d waiting; they"
              + " end with an error",
          100 * stats.kvUsage(), stats.running(), stats.waiting());
    }
  }
}
