package io.lckv.engine;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when told to. */
final class ManualClock implements LongSupplier {

  private long now;

  @Override
  public synchronized long getAsLong() {
    return now;
  }

  synchronized void advance(Duration by) {
    now += by.toNanos();
  }
}
