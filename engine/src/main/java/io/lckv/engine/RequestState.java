package io.lckv.engine;

import io.lckv.engine.sampling.Sampler;
import io.lckv.engine.text.GeneratedText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One request inside the engine. Everything here belongs to the engine loop, except that {@link
 * Admission} sets {@link #admittedNanos} and {@link #holdsReservation} under its lock.
 */
final class RequestState {

  enum Phase {
    WAITING,
    PREFILL,
    DECODE,
    FINISHED
  }

  final long id;
  final GenerationRequest request;
  final int[] prompt;
  final GenerationHandle handle;
  final long seed;
  final long submittedNanos;

  Phase phase = Phase.WAITING;
  boolean holdsReservation;
  long admittedNanos = -1;
  PrefillPlan plan;
  Sampler sampler;
  GeneratedText text;
  /** Prompt tokens written to the cache so far. */
  int prefilled;
  /** Tokens sampled so far. */
  int generated;
  /** The last sampled token, which the next decode step feeds. */
  int pendingToken;

  private long firstSampleNanos = -1;
  private long lastSampleNanos = -1;
  private final List<Duration> interTokenLatencies = new ArrayList<>();

  RequestState(long id, GenerationRequest request, GenerationHandle handle, long seed, long now) {
    this.id = id;
    this.request = request;
    this.prompt = request.promptTokens();
    this.handle = handle;
    this.seed = seed;
    this.submittedNanos = now;
  }

  void recordSample(long now) {
    generated++;
    if (firstSampleNanos < 0) {
      firstSampleNanos = now;
    } else {
      interTokenLatencies.add(Duration.ofNanos(now - lastSampleNanos));
    }
    lastSampleNanos = now;
  }

  RequestTimings timings(long now) {
    long queuedUntil = admittedNanos >= 0 ? admittedNanos : now;
    return new RequestTimings(
        Duration.ofNanos(queuedUntil - submittedNanos),
        firstSampleNanos < 0
            ? Optional.empty()
            : Optional.of(Duration.ofNanos(firstSampleNanos - submittedNanos)),
        interTokenLatencies,
        Duration.ofNanos(now - submittedNanos));
  }

  Usage usage() {
    return new Usage(prompt.length, generated);
  }
}
