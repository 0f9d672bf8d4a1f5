package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KvPoolGeometryTest {

  @Test
  void aBudgetHoldsWholeBlocksOnly() {
    var w2 = new KvFootprint(3, 4, 64, 2); // 3 KiB per token
    var geometry = KvPoolGeometry.forBudget(w2, 1L << 30, 16);
    assertEquals(16, geometry.blockSize());
    assertEquals((1L << 30) / (3 * 1024) / 16, geometry.blocks());
    assertEquals(geometry.blocks() * 16L, geometry.tokens());
  }

  @Test
  void aBudgetTooSmallForOneBlockIsRejected() {
    var plain = new KvFootprint(22, 4, 64, 2);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> KvPoolGeometry.forBudget(plain, 22 * 1024 * 15, 16));
    assertEquals(
        "a KV budget of 337920 bytes holds no block of 16 tokens at 22528 bytes per token",
        e.getMessage());
  }

  @Test
  void rejectsEmptyShapes() {
    assertThrows(IllegalArgumentException.class, () -> new KvPoolGeometry(0, 4));
    assertThrows(IllegalArgumentException.class, () -> new KvPoolGeometry(16, 0));
  }
}
