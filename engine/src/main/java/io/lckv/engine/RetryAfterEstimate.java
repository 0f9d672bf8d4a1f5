package io.lckv.engine;

import java.time.Duration;

/**
 * A Retry-After hint for overloaded submissions: an exponentially weighted average of how long
 * recent requests took from submission to finish, clamped to 1..60 seconds. Room opens when a
 * running request finishes, and that is the time scale on which it happens.
 */
final class RetryAfterEstimate {

  static final Duration MIN = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(60);
  private static final double WEIGHT = 0.2;

  private double averageNanos = -1;

  synchronized void recordCompletion(Duration endToEnd) {
    double nanos = endToEnd.toNanos();
    averageNanos = averageNanos < 0 ? nanos : averageNanos + WEIGHT * (nanos - averageNanos);
  }

  synchronized Duration hint() {
    if (averageNanos < 0) {
      return MIN;
    }
    Duration average = Duration.ofNanos((long) averageNanos);
    return average.compareTo(MIN) < 0 ? MIN : average.compareTo(MAX) > 0 ? MAX : average;
  }
}
