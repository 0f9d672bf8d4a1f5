package io.lckv.engine;

import java.time.Duration;

/** The answer to a submission: a handle to follow the request, or no room right now. */
public sealed interface SubmitResult {

  /** The request runs now or waits its turn. */
  record Accepted(GenerationHandle handle) implements SubmitResult {}

  /**
   * The KV pool and the wait queue are both full. {@code retryAfter} is a hint (a recent average
   * request duration, between 1 and 60 seconds) for an HTTP {@code Retry-After}.
   */
  record Overloaded(Duration retryAfter, int waiting) implements SubmitResult {}
}
