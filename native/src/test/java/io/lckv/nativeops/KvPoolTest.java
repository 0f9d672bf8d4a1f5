package io.lckv.nativeops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KvPoolTest {

  private static final PoolGeometry GEOMETRY = new PoolGeometry(2, 2, 4, 4);

  @Test
  void reportsTheLibraryVersionAndBuild() {
    assertTrue(OpLibrary.version().matches("\\d+\\.\\d+\\.\\d+"), OpLibrary.version());
    // Either answer is valid; the call itself must resolve and not crash on a host without CUDA.
    OpLibrary.cudaAvailable();
  }

  @Test
  void statsDescribeTheCreatedPool() {
    try (KvPool pool = KvPool.create(GEOMETRY, 3, PoolDtype.F16, KvPool.HOST)) {
      PoolStats stats = pool.stats();
      long perBlock = 2L * 2 * 2 * 4 * 4 * 2; // layers * (K, V) * KvH * bs * D * sizeof(f16)
      assertEquals(GEOMETRY, stats.geometry());
      assertEquals(3, stats.numBlocks());
      assertEquals(PoolDtype.F16, stats.dtype());
      assertEquals(KvPool.HOST, stats.device());
      assertEquals(perBlock, stats.bytesPerBlock());
      assertEquals(perBlock, KvPool.bytesPerBlock(GEOMETRY, PoolDtype.F16));
      assertEquals(3 * perBlock, stats.totalBytes());
      assertEquals(0, stats.attentionCalls() + stats.commitCalls() + stats.committedTokens());
    }
  }

  @Test
  void aBudgetBuysWholeBlocks() {
    long perBlock = KvPool.bytesPerBlock(GEOMETRY, PoolDtype.F32);
    try (KvPool pool = KvPool.withBudget(GEOMETRY, 5 * perBlock + perBlock / 2, PoolDtype.F32,
        KvPool.HOST)) {
      assertEquals(5, pool.stats().numBlocks());
    }
    assertThrows(IllegalArgumentException.class,
        () -> KvPool.withBudget(GEOMETRY, perBlock - 1, PoolDtype.F32, KvPool.HOST));
  }

  @Test
  void slotsRoundTripThroughScatteredBlocks() {
    try (KvPool pool = KvPool.create(GEOMETRY, 6, PoolDtype.F32, KvPool.HOST)) {
      int[] table = {4, 1, 3};
      KvSlots written = randomSlots(new Random(1), 7);
      pool.writeSlots(1, table, 2, written);
      KvSlots read = pool.readSlots(1, table, 2, 7);
      assertArrayEquals(written.keys(), read.keys());
      assertArrayEquals(written.values(), read.values());
      // The other KV layer of the same blocks is untouched (zero-filled at creation).
      assertArrayEquals(new float[7 * 8], pool.readSlots(0, table, 2, 7).keys());
    }
  }

  @Test
  void failuresCarryTheLibrarysMessage() {
    var e = assertThrows(KvPoolException.class,
        () -> KvPool.create(GEOMETRY, 0, PoolDtype.F32, KvPool.HOST));
    assertEquals(KvPoolException.Status.INVALID_ARGUMENT, e.status());
    assertTrue(e.getMessage().startsWith("lckv_pool_create: "), e.getMessage());

    try (KvPool pool = KvPool.create(GEOMETRY, 2, PoolDtype.F32, KvPool.HOST)) {
      var outOfRange = assertThrows(KvPoolException.class,
          () -> pool.readSlots(0, new int[] {0, 7}, 0, 8));
      assertTrue(outOfRange.getMessage().contains("7"), outOfRange.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> pool.writeSlots(0, new int[] {0}, 0, new KvSlots(new float[3], new float[3])));
    }
  }

  @Test
  void aClosedPoolIsAnUnknownHandle() {
    KvPool pool = KvPool.create(GEOMETRY, 1, PoolDtype.BF16, KvPool.HOST);
    pool.close();
    pool.close(); // idempotent
    var e = assertThrows(KvPoolException.class, pool::stats);
    assertEquals(KvPoolException.Status.UNKNOWN_HANDLE, e.status());
    assertTrue(e.getMessage().contains(Long.toString(pool.handle())), e.getMessage());
  }

  @Test
  void aCudaPoolIsMadeOnAGpuOrRefusedAsADeviceError() {
    try (KvPool pool = KvPool.create(GEOMETRY, 1, PoolDtype.F16, 0)) {
      assertEquals(0, pool.stats().device());
    } catch (KvPoolException e) {
      assertEquals(KvPoolException.Status.DEVICE, e.status(), e.getMessage());
    }
  }

  static KvSlots randomSlots(Random random, int count) {
    float[] k = new float[count * 8];
    float[] v = new float[count * 8];
    for (int i = 0; i < k.length; i++) {
      k[i] = (float) random.nextGaussian();
      v[i] = (float) random.nextGaussian();
    }
    return new KvSlots(k, v);
  }

  /** Rotate-half rope of one head at a position, float32 angles as Hugging Face forms them. */
  static float[] rope(float[] x, int position, float[] invFreq) {
    int half = invFreq.length;
    float[] out = x.clone();
    for (int c = 0; c < half; c++) {
      double angle = (float) position * invFreq[c];
      double cos = Math.cos((float) angle);
      double sin = Math.sin((float) angle);
      out[c] = (float) (x[c] * cos - x[c + half] * sin);
      out[c + half] = (float) (x[c + half] * cos + x[c] * sin);
    }
    return out;
  }
}
