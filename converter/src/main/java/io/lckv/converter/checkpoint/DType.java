package io.lckv.converter.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element types a checkpoint tensor may have; all are little-endian on disk. */
public enum DType {
  F32(4),
  F16(2),
  BF16(2);

  /** Float32 as stored in checkpoints and ONNX raw data: little-endian, any alignment. */
  public static final ValueLayout.OfFloat FLOAT_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static final ValueLayout.OfShort SHORT_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  public int byteSize() {
    return byteSize;
  }

  /**
   * Widens {@code count} elements of this type from {@code source} to float32 ({@link #FLOAT_LE})
   * in {@code target}. Exact: every F16 and BF16 value is a float32 value.
   */
  void toFloat32(MemorySegment source, MemorySegment target, long count) {
    switch (this) {
      case F32 -> MemorySegment.copy(source, 0, target, 0, count * 4);
      case F16 -> {
        for (long i = 0; i < count; i++) {
          target.setAtIndex(FLOAT_LE, i, Float.float16ToFloat(source.getAtIndex(SHORT_LE, i)));
        }
      }
      case BF16 -> {
        // bfloat16 is the top half of a float32.
        for (long i = 0; i < count; i++) {
          int bits = (source.getAtIndex(SHORT_LE, i) & 0xffff) << 16;
          target.setAtIndex(FLOAT_LE, i, Float.intBitsToFloat(bits));
        }
      }
    }
  }

  /**
   * Widens elements {@code first … first + count − 1} of {@code source} to float32 in
   * {@code target[at …]}: how a converter reads a stretch of a tensor into a reusable array, per
   * element from the mapping (as fast as a bulk copy first, and no second array).
   */
  public void toFloat32(MemorySegment source, long first, float[] target, int at, int count) {
    switch (this) {
      case F32 -> MemorySegment.copy(source, FLOAT_LE, first * 4, target, at, count);
      case F16 -> {
        for (int i = 0; i < count; i++) {
          target[at + i] = Float.float16ToFloat(source.getAtIndex(SHORT_LE, first + i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          int bits = (source.getAtIndex(SHORT_LE, first + i) & 0xffff) << 16;
          target[at + i] = Float.intBitsToFloat(bits);
        }
      }
    }
  }
}
