package io.lckv.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KvFootprintTest {

  // TinyLlama-1.1B shape: 22 layers, 4 KV heads of dim 64, bf16 (spec §7).
  private static KvFootprint tinyLlama(int kvLayers) {
    return new KvFootprint(kvLayers, 4, 64, 2);
  }

  @Test
  void matchesTheSpecFiguresForTinyLlama() {
    assertEquals(22 * 1024, tinyLlama(22).bytesPerToken()); // plain: every layer is a KV layer
    assertEquals(11 * 1024, tinyLlama(11).bytesPerToken()); // w10: 0-4, 16-21
    assertEquals(3 * 1024, tinyLlama(3).bytesPerToken()); // w2: 0, 20, 21
  }

  @Test
  void aBudgetHoldsProportionallyMoreTokensWithFewerKvLayers() {
    long budget = 1L << 30;
    assertEquals(budget / (3 * 1024), tinyLlama(3).tokensWithin(budget));
    assertEquals(7, tinyLlama(3).tokensWithin(budget) / tinyLlama(22).tokensWithin(budget));
  }

  @Test
  void rejectsImpossibleShapes() {
    assertThrows(IllegalArgumentException.class, () -> new KvFootprint(0, 4, 64, 2));
    assertThrows(IllegalArgumentException.class, () -> new KvFootprint(2, 4, 64, 3));
  }
}
