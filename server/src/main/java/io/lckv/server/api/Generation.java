package io.lckv.server.api;

import io.lckv.engine.Engine;
import io.lckv.engine.FinishReason;
import io.lckv.engine.GenerationEvent;
import io.lckv.engine.GenerationHandle;
import io.lckv.engine.GenerationRequest;
import io.lckv.engine.SubmitResult;
import io.lckv.server.metrics.EngineMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * One engine request followed by the HTTP thread that submitted it. It watches the client while
 * it waits: once the client has gone, the request is cancelled, so that a disconnect frees the
 * request's batch slot and KV blocks. Every request's end is recorded in the metrics.
 */
final class Generation {

  /** How soon a vanished client is noticed while no event arrives. */
  private static final Duration CLIENT_CHECK = Duration.ofMillis(50);

  private final GenerationHandle handle;
  private final EngineMetrics metrics;
  private final BooleanSupplier clientGone;
  private boolean ended;

  private Generation(GenerationHandle handle, EngineMetrics metrics, BooleanSupplier clientGone) {
    this.handle = handle;
    this.metrics = metrics;
    this.clientGone = clientGone;
  }

  /**
   * @throws ApiException 429 when the engine is at capacity, 503 when it drains or has shut down
   */
  static Generation submit(
      Engine engine, GenerationRequest request, EngineMetrics metrics, BooleanSupplier clientGone) {
    SubmitResult result;
    try {
      result = engine.submit(request);
    } catch (IllegalStateException e) {
      throw ApiException.shuttingDown();
    }
    return switch (result) {
      case SubmitResult.Accepted(GenerationHandle handle) ->
          new Generation(handle, metrics, clientGone);
      case SubmitResult.Overloaded(Duration retryAfter, int waiting) ->
          throw ApiException.overloaded(retryAfter, waiting);
    };
  }

  /** The whole output of a request. */
  record Output(String text, List<GenerationEvent.Token> tokens, GenerationEvent.Finished end) {}

  /** The next event; empty when the client has gone away (the request is then cancelled). */
  Optional<GenerationEvent> next() throws InterruptedException {
    // Checked before every event, not only when none comes: writes to a closed connection do
    // not fail, so a stream whose tokens keep coming would otherwise run to its end.
    while (!clientGone.getAsBoolean()) {
      Optional<GenerationEvent> event = handle.nextEvent(CLIENT_CHECK);
      if (event.isPresent()) {
        if (event.get() instanceof GenerationEvent.Finished end) {
          ended(end);
        }
        return event;
      }
    }
    abandon();
    return Optional.empty();
  }

  /**
   * Waits for the whole output; empty when the client has gone away.
   *
   * @throws ApiException 500 when the engine failed the request
   */
  Optional<Output> collect() throws InterruptedException {
    var text = new StringBuilder();
    List<GenerationEvent.Token> tokens = new ArrayList<>();
    while (true) {
      Optional<GenerationEvent> event = next();
      if (event.isEmpty()) {
        return Optional.empty();
      }
      switch (event.get()) {
        case GenerationEvent.Token token -> {
          tokens.add(token);
          text.append(token.text());
        }
        case GenerationEvent.Finished end -> {
          failure(end).ifPresent(e -> {
            throw e;
          });
          return Optional.of(new Output(text.append(end.text()).toString(), tokens, end));
        }
      }
    }
  }

  /**
   * Cancels the request unless it has ended, and waits until the engine confirms, by which time
   * its KV blocks are free.
   */
  void abandon() {
    if (ended) {
      return;
    }
    handle.cancel();
    try {
      while (!ended) {
        if (handle.nextEvent() instanceof GenerationEvent.Finished end) {
          ended(end);
        }
      }
    } catch (InterruptedException e) {
      // The cancel stands; only the metrics miss this request.
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The error a request ended with, if any. A cancelled request is no failure: the client that
   * went away never reads it, and one the shutdown drain cut short ends as {@code cancelled}.
   */
  static Optional<ApiException> failure(GenerationEvent.Finished end) {
    if (end.reason() == FinishReason.ERROR) {
      return Optional.of(
          ApiException.failed(
              "generation failed: " + end.error().orElse("no cause given")));
    }
    return Optional.empty();
  }

  private void ended(GenerationEvent.Finished end) {
    ended = true;
    metrics.record(end);
  }
}
