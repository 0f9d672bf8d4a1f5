package io.lckv.converter.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One named tensor of a checkpoint: its metadata, known at open time, and its bytes, read only
 * when asked for so that a many-GB checkpoint never sits in the heap at once.
 *
 * @param file the weight file holding it, for messages about it
 */
public record Tensor(String name, DType dtype, Shape shape, Path file, TensorBytes bytes) {

  public Tensor {
    if (bytes.byteSize() != shape.elementCount() * dtype.byteSize()) {
      throw new IllegalArgumentException(
          name + ": " + bytes.byteSize() + " bytes for " + dtype + " " + shape);
    }
  }

  public long elementCount() {
    return shape.elementCount();
  }

  /** The bytes as stored, see {@link TensorBytes#read(Arena)}. */
  public MemorySegment raw(Arena arena) {
    return bytes.read(arena);
  }

  /**
   * The values widened to little-endian float32 in memory from {@code arena}: off-heap, so not
   * bounded by the 2^31 elements of a Java array.
   */
  public MemorySegment toFloat32(Arena arena) {
    // An archive entry is read straight into the caller's memory when it already is float32.
    if (bytes instanceof ZipEntryBytes entry && dtype == DType.F32) {
      return entry.read(arena);
    }
    try (Arena staging = Arena.ofConfined()) {
      return widen(bytes.read(staging), arena);
    }
  }

  private MemorySegment widen(MemorySegment source, Arena arena) {
    MemorySegment target = arena.allocate(elementCount() * 4, 8);
    dtype.toFloat32(source, target, elementCount());
    return target;
  }

  /** The values as a float array, for tensors small enough to fit one (norms, test models). */
  public float[] toFloatArray() {
    if (elementCount() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(
          name + " has " + elementCount() + " elements, too many for a Java array;"
              + " use toFloat32(Arena)");
    }
    try (Arena arena = Arena.ofConfined()) {
      return toFloat32(arena).toArray(DType.FLOAT_LE);
    }
  }
}
