package io.lckv.converter.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A slice of a memory-mapped file; valid while its {@link Checkpoint} is open. */
record MappedBytes(MemorySegment slice) implements TensorBytes {

  MappedBytes {
    slice = slice.asReadOnly();
  }

  @Override
  public long byteSize() {
    return slice.byteSize();
  }

  @Override
  public MemorySegment read(Arena arena) {
    return slice;
  }
}
