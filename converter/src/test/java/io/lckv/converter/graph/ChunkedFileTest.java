package io.lckv.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Items spanning several chunks, with gaps and empty items, in every writing mode. */
class ChunkedFileTest {

  @TempDir Path tmp;

  @ParameterizedTest(name = "background {0}, direct {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void theFileHoldsWhatWasAppendedAndZerosBetween(boolean background, boolean direct)
      throws IOException {
    Random random = new Random(7);
    // Sizes that cross chunk boundaries, fill one exactly, and end mid-block.
    long[] sizes = {100, 0, ChunkedFile.CHUNK_BYTES, 3L * ChunkedFile.CHUNK_BYTES / 2 + 5, 1,
        4093};
    long total = 0;
    for (long size : sizes) {
      total += size + 64;
    }
    byte[] expected = new byte[(int) total];
    Path path = tmp.resolve("data");
    long end = 0;
    try (ChunkedFile file = new ChunkedFile(path, background, direct);
        Arena arena = Arena.ofConfined()) {
      for (int i = 0; i < sizes.length; i++) {
        byte[] item = new byte[(int) sizes[i]];
        random.nextBytes(item);
        long offset = end + random.nextInt(64);
        file.append("item " + i, offset, arena.allocateFrom(ValueLayout.JAVA_BYTE, item));
        System.arraycopy(item, 0, expected, (int) offset, item.length);
        end = offset + item.length;
        assertEquals(end, file.size());
      }
      file.finish();
    }
    byte[] written = Files.readAllBytes(path);
    assertEquals(end, written.length);
    assertArrayEquals(Arrays.copyOf(expected, (int) end), written);
  }

  @Test
  void nothingMayBeAppendedBeforeTheEnd() {
    try (ChunkedFile file = new ChunkedFile(tmp.resolve("data"), true, true)) {
      file.append("a", 0, MemorySegment.ofArray(new byte[10]));
      assertThrows(IllegalStateException.class,
          () -> file.append("b", 9, MemorySegment.ofArray(new byte[1])));
    }
  }

  @Test
  void anAbandonedFileIsClosedWithoutWritingItsTail() throws IOException {
    Path path = tmp.resolve("data");
    try (ChunkedFile file = new ChunkedFile(path, true, true)) {
      file.append("a", 0, MemorySegment.ofArray(new byte[1000]));
    }
    assertEquals(0, Files.size(path));
  }
}
