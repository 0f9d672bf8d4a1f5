package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A byte range of a file its {@link Checkpoint} keeps open, mapped anew on each read. Mapping per
 * read, not the whole file once, lets a conversion unmap each tensor as soon as it is written:
 * the kernel counts the pages of a live mapping as the process's resident memory, so a whole-file
 * mapping grows the converter's RSS by the size of the checkpoint.
 */
record MappedBytes(Path file, FileChannel channel, long offset, long byteSize)
    implements TensorBytes {

  @Override
  public MemorySegment read(Arena arena) {
    if (byteSize == 0) {
      return arena.allocate(0);
    }
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, offset, byteSize, arena).asReadOnly();
    } catch (ClosedChannelException e) {
      throw new IllegalStateException(file + ": read after its checkpoint was closed", e);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
    }
  }
}
