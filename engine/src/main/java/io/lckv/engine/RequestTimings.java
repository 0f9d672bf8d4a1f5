package io.lckv.engine;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Latencies of a request, for metrics. All run from submission, on the engine's clock.
 *
 * @param queue until its KV reservation was granted (or until it ended, if it never was)
 * @param timeToFirstToken until the first token was sampled; empty when none was
 * @param interTokenLatencies between consecutive sampled tokens
 * @param endToEnd until it finished
 */
public record RequestTimings(
    Duration queue,
    Optional<Duration> timeToFirstToken,
    List<Duration> interTokenLatencies,
    Duration endToEnd) {

  public RequestTimings {
    interTokenLatencies = List.copyOf(interTokenLatencies);
  }
}
