package io.lckv.converter.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Where a tensor's bytes lie; nothing is read until {@link #read(Arena)} is called. */
public sealed interface TensorBytes permits MappedBytes, ZipEntryBytes {

  long byteSize();

  /**
   * The tensor's bytes, little-endian in its dtype, valid while {@code arena} is open: a
   * safetensors file answers with a read-only mapping of the range (no copy), an archive entry is
   * read into memory allocated from {@code arena}.
   */
  MemorySegment read(Arena arena);
}
