package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class KvCacheTest {

  private final KvCache cache = new KvCache(new KvPoolGeometry(16, 10));

  @Test
  void admissionReservesTheWorstCaseAndRefusesWhatWouldNotFit() {
    assertTrue(cache.tryReserve(1, 100, Optional.empty())); // 7 blocks
    assertFalse(cache.tryReserve(2, 49, Optional.empty())); // 4 more would be 11 > 10
    assertTrue(cache.tryReserve(3, 48, Optional.empty())); // exactly 3
    assertEquals(new KvUsage(10, 0, 10, 2), cache.usage());
    cache.release(1);
    assertTrue(cache.tryReserve(2, 49, Optional.empty()));
    cache.checkInvariants();
  }

  @Test
  void usageCountsWrittenBlocksAgainstReservedOnes() {
    cache.tryReserve(1, 64, Optional.empty());
    cache.prepare(1, 20);
    cache.commit(1);
    assertEquals(20, cache.prepare(1, 1).committed().longest());
    cache.commit(1);
    KvUsage usage = cache.usage();
    assertEquals(2, usage.usedBlocks());
    assertEquals(0.2, usage.usedFraction(), 1e-12);
    assertEquals(0.4, usage.reservedFraction(), 1e-12);
  }

  @Test
  void releaseReturnsEverythingAndForgetsTheSequence() {
    cache.tryReserve(7, 64, Optional.of(new StreamingWindow(4, 32)));
    cache.prepare(7, 32);
    cache.release(7);
    assertFalse(cache.holds(7));
    assertEquals(new KvUsage(10, 0, 0, 0), cache.usage());
    cache.release(7); // idempotent
    assertThrows(IllegalStateException.class, () -> cache.prepare(7, 1));
  }

  @Test
  void aSequenceReservesOnce() {
    cache.tryReserve(1, 10, Optional.empty());
    assertThrows(IllegalStateException.class, () -> cache.tryReserve(1, 10, Optional.empty()));
  }
}
