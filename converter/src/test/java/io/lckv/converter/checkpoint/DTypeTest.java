package io.lckv.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class DTypeTest {

  /** Widens little-endian 16-bit patterns; the bytes are spelled out so the order is tested. */
  private static float[] widen(DType dtype, int... bits) {
    byte[] bytes = new byte[bits.length * 2];
    for (int i = 0; i < bits.length; i++) {
      bytes[2 * i] = (byte) bits[i];
      bytes[2 * i + 1] = (byte) (bits[i] >>> 8);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment target = arena.allocate(bits.length * 4L);
      dtype.toFloat32(MemorySegment.ofArray(bytes), target, bits.length);
      return target.toArray(DType.FLOAT_LE);
    }
  }

  @Test
  void float16EdgeValuesWidenExactly() {
    float[] f = widen(DType.F16, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x8000);
    assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, -0f}, f);
    assertEquals(0x8000_0000, Float.floatToRawIntBits(f[6]), "negative zero keeps its sign");
    assertEquals(Float.NaN, widen(DType.F16, 0x7e00)[0]);
  }

  @Test
  void bfloat16EdgeValuesWidenExactly() {
    float[] f = widen(DType.BF16, 0x3f80, 0xc040, 0x7f7f, 0x0001, 0xff80, 0x3e20);
    assertArrayEquals(new float[] {1f, -3f, Float.intBitsToFloat(0x7f7f0000), 0x1p-133f,
        Float.NEGATIVE_INFINITY, 0.15625f}, f);
  }
}
