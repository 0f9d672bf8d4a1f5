package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.runner.PrefillMode;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GenerationHandleTest {

  private static GenerationEvent.Finished finished() {
    return new GenerationEvent.Finished(
        FinishReason.LENGTH, "", new Usage(1, 1),
        new RequestTimings(Duration.ZERO, Optional.empty(), List.of(), Duration.ZERO),
        PrefillMode.EXACT, Optional.empty());
  }

  @Test
  void eventsComeInOrderAndTheStreamEndsAtFinished() throws InterruptedException {
    var handle = new GenerationHandle(7, () -> {});
    var token = new GenerationEvent.Token(0, 5, "a", Optional.empty());
    assertEquals(Optional.empty(), handle.nextEvent(Duration.ofMillis(1)));
    handle.deliver(token);
    handle.deliver(finished());
    assertEquals(token, handle.nextEvent());
    assertEquals(Optional.of(finished()), handle.nextEvent(Duration.ZERO));
    assertThrows(NoSuchElementException.class, handle::nextEvent);
    assertEquals(7, handle.id());
  }

  @Test
  void cancellingWakesTheEngine() {
    var wakes = new AtomicInteger();
    var handle = new GenerationHandle(1, wakes::incrementAndGet);
    handle.cancel();
    assertTrue(handle.cancelRequested());
    assertEquals(1, wakes.get());
  }
}
