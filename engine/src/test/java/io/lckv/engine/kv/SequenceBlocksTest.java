package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SequenceBlocksTest {

  @Test
  void blocksArriveAsEntriesNeedThem() {
    var pool = new BlockPool(8);
    var seq = new SequenceBlocks(4, Optional.empty(), 3);
    CacheView prefill = seq.prepare(5, pool);
    assertArrayEquals(new int[] {0, 1}, prefill.blockTable());
    assertEquals(0, prefill.committed().longest());
    seq.commit();
    CacheView decode = seq.prepare(1, pool);
    assertEquals(5, decode.committed().longest());
    assertEquals(2, decode.blockTable().length); // entry 5 still fits block 1
    assertTrue(decode.eviction().isEmpty());
    seq.commit();
    seq.checkInvariants();
    seq.releaseTo(pool);
    assertEquals(8, pool.free());
  }

  @Test
  void aStepBeyondTheReservationIsABug() {
    var pool = new BlockPool(8);
    var seq = new SequenceBlocks(4, Optional.empty(), 1);
    assertThrows(IllegalStateException.class, () -> seq.prepare(5, pool));
  }

  @Test
  void evictionDropsTheOldestRecentEntriesAndFreesEmptiedBlocks() {
    var pool = new BlockPool(8);
    var window = new StreamingWindow(2, 6);
    var seq = new SequenceBlocks(4, Optional.of(window), 8);
    CacheView prompt = seq.prepare(6, pool);
    // sinks 0,1 in block 0; entries 2..5 in slots 4..7 = block 1
    assertArrayEquals(new int[] {0, 1}, prompt.blockTable());
    assertEquals(1, prompt.blockOf(5));
    seq.commit();

    CacheView first = seq.prepare(1, pool);
    assertEquals(Optional.of(new KvEviction(2, 1)), first.eviction());
    assertEquals(5, first.committed().longest()); // after eviction: 2 sinks + 3 recent
    assertEquals(1, first.recentOffset());
    assertEquals(5, first.slotOf(2)); // the kept entries did not move
    assertArrayEquals(new int[] {0, 1, 2}, first.blockTable()); // new entry 5 is slot 9
    seq.commit();

    for (int i = 0; i < 2; i++) {
      seq.prepare(1, pool);
      seq.commit();
    }
    CacheView fourth = seq.prepare(1, pool);
    // four entries evicted in all: block 1 held only evicted ones and went back to the pool
    assertEquals(0, fourth.recentOffset());
    assertArrayEquals(new int[] {0, 2}, fourth.blockTable());
    assertEquals(6, pool.free());
    seq.commit();
    seq.checkInvariants();
  }

  @Test
  void sinksAreNeverEvictedSoAStepIsCappedByTheRecentPart() {
    var pool = new BlockPool(16);
    var seq = new SequenceBlocks(4, Optional.of(new StreamingWindow(4, 10)), 16);
    assertEquals(10, seq.maxNewTokens());
    seq.prepare(2, pool);
    seq.commit();
    assertEquals(8, seq.maxNewTokens());
    seq.prepare(8, pool);
    seq.commit();
    assertEquals(6, seq.maxNewTokens());
    assertThrows(IllegalArgumentException.class, () -> seq.prepare(7, pool));
    CacheView view = seq.prepare(6, pool);
    assertEquals(Optional.of(new KvEviction(4, 6)), view.eviction());
    assertEquals(4, view.committed().longest());
  }

  @Test
  void aWindowBoundsTheReservationWhateverTheLength() {
    var window = Optional.of(new StreamingWindow(4, 64));
    // 1 sink block + recent region of at most 15 + 60 slots = 5 blocks
    assertEquals(6, SequenceBlocks.worstCaseBlocks(16, window, 1_000_000));
    assertEquals(3, SequenceBlocks.worstCaseBlocks(16, window, 30)); // never evicts
    assertEquals(1, SequenceBlocks.worstCaseBlocks(16, window, 3));
    assertEquals(62_500, SequenceBlocks.worstCaseBlocks(16, Optional.empty(), 1_000_000));
  }
}
