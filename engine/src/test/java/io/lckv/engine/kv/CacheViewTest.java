package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CacheViewTest {

  @Test
  void withoutAWindowEntryIIsSlotI() {
    var view = new CacheView(new int[] {7, 3}, 4, 0, 0, new KvLength.Uniform(5), Optional.empty(),
        false);
    assertEquals(5, view.slotOf(5));
    assertEquals(7, view.blockOf(3));
    assertEquals(3, view.blockOf(4));
    assertEquals(1, view.offsetOf(5));
    assertThrows(IndexOutOfBoundsException.class, () -> view.blockOf(8));
  }

  @Test
  void sinksKeepTheirBlockAndRecentEntriesStartAfterTheOffset() {
    // 2 sinks in block 9 (slots 2..3 unused), recent entries from offset 3 of block 5, then block 6.
    var view =
        new CacheView(new int[] {9, 5, 6}, 4, 2, 3, new KvLength.Uniform(4), Optional.empty(),
            true);
    assertEquals(1, view.sinkBlocks());
    assertEquals(9, view.blockOf(1));
    assertEquals(1, view.offsetOf(1));
    assertEquals(5, view.blockOf(2)); // slot 4 + 3 = 7
    assertEquals(3, view.offsetOf(2));
    assertEquals(6, view.blockOf(3)); // slot 8
    assertEquals(0, view.offsetOf(3));
  }

  @Test
  void theBlockTableIsCopiedBothWays() {
    int[] table = {1, 2};
    var view = new CacheView(table, 4, 0, 0, new KvLength.Uniform(0), Optional.empty(), false);
    table[0] = 99;
    view.blockTable()[1] = 99;
    assertEquals(1, view.blockOf(0));
    assertEquals(2, view.blockOf(4));
  }
}
