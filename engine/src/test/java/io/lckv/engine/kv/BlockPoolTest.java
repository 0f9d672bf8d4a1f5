package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BlockPoolTest {

  @Test
  void handsOutEveryBlockOnceAndTakesThemBack() {
    var pool = new BlockPool(3);
    assertEquals(0, pool.allocate());
    assertEquals(1, pool.allocate());
    assertEquals(2, pool.allocate());
    assertEquals(0, pool.free());
    assertThrows(IllegalStateException.class, pool::allocate);
    pool.free(1);
    assertEquals(1, pool.free());
    assertEquals(1, pool.allocate());
    pool.checkConsistent();
  }

  @Test
  void freeingAFreeOrForeignBlockIsABug() {
    var pool = new BlockPool(2);
    int block = pool.allocate();
    pool.free(block);
    assertThrows(IllegalStateException.class, () -> pool.free(block));
    assertThrows(IllegalStateException.class, () -> pool.free(7));
  }
}
