package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A byte range of one archive entry, streamed on demand: entries may be compressed, so they
 * cannot be mapped.
 */
record ZipEntryBytes(Path file, ZipFile zip, ZipEntry entry, long offset, long byteSize)
    implements TensorBytes {

  private static final int CHUNK = 1 << 20;

  @Override
  public MemorySegment read(Arena arena) {
    MemorySegment target = arena.allocate(byteSize, 8);
    byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(byteSize, 1))];
    try (InputStream in = zip.getInputStream(entry)) {
      in.skipNBytes(offset);
      long done = 0;
      while (done < byteSize) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, byteSize - done));
        if (n < 0) {
          throw new CheckpointException(
              file, "entry " + entry.getName() + " ends after " + (offset + done)
                  + " bytes, before the " + (offset + byteSize) + " a tensor needs");
        }
        MemorySegment.copy(MemorySegment.ofArray(chunk), 0, target, done, n);
        done += n;
      }
    } catch (IOException e) {
      throw new CheckpointException(
          file, "cannot read entry " + entry.getName() + ": " + e.getMessage(), e);
    }
    return target;
  }
}
