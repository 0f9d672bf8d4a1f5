package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryAfterEstimateTest {

  @Test
  void startsAtTheMinimumThenFollowsRecentRequestDurationsWithinBounds() {
    var estimate = new RetryAfterEstimate();
    assertEquals(Duration.ofSeconds(1), estimate.hint());
    estimate.recordCompletion(Duration.ofSeconds(10));
    assertEquals(Duration.ofSeconds(10), estimate.hint());
    estimate.recordCompletion(Duration.ofSeconds(20)); // 10 + 0.2 * (20 - 10)
    assertEquals(Duration.ofSeconds(12), estimate.hint());
    estimate.recordCompletion(Duration.ofHours(2));
    assertEquals(Duration.ofSeconds(60), estimate.hint());
    var fast = new RetryAfterEstimate();
    fast.recordCompletion(Duration.ofMillis(30));
    assertEquals(Duration.ofSeconds(1), fast.hint());
  }
}
