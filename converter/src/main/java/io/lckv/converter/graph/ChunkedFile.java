package io.lckv.converter.graph;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A new file written front to back in chunks of {@link #CHUNK_BYTES}. Appended bytes are copied
 * into a chunk buffer, so the caller may reuse its memory at once; a full chunk is written either
 * on the calling thread or, in the background mode, by a writer thread of its own while the
 * caller goes on. There are at most {@link #BACKGROUND_CHUNKS} chunks, so a caller that gets
 * ahead of the disk waits for the writer to hand one back: memory in flight stays bounded.
 *
 * <p>Chunks go to disk with O_DIRECT where the file system takes it, bypassing the page cache:
 * on the 2-core VM of docs/benchmarks.md buffered writes of 2.2 GB cost 1–5 s of kernel time
 * (mostly allocating page-cache pages), direct ones 0.2–0.5 s, and the final fsync has nothing
 * left to flush. Direct I/O needs block-aligned memory, offsets and lengths: the chunk buffers
 * are aligned and each starts at a multiple of its size in the file; the last one is written
 * padded to a whole block and the file is cut back to its length before the fsync.
 */
final class ChunkedFile implements AutoCloseable {

  static final int CHUNK_BYTES = 16 << 20;
  /** One being filled, up to three queued or being written. */
  static final int BACKGROUND_CHUNKS = 4;

  /** A chunk buffer and what it holds; owned by one thread at a time, handed over by queues. */
  private static final class Chunk {
    final MemorySegment memory;
    long fileOffset;
    long filled;
    /** The first item whose bytes it holds, to name in a write failure. */
    String firstItem;

    Chunk(MemorySegment memory) {
      this.memory = memory;
    }
  }

  private final Path path;
  private final FileChannel channel;
  /** The same file opened with O_DIRECT, or null where that is not possible. */
  private final FileChannel direct;
  private final long block;
  private final Arena arena = Arena.ofShared();
  private final int maxChunks;
  private final BlockingQueue<Chunk> free;
  /** Null: chunks are written on the calling thread. */
  private final ExecutorService writer;
  private final AtomicReference<UncheckedIOException> failure = new AtomicReference<>();
  private volatile boolean abandoned;

  private int allocated;
  private Chunk current;
  private long end;
  private boolean finished;

  /**
   * Creates {@code path}, which must not exist.
   *
   * @param background write on a thread of its own
   * @param tryDirect write with O_DIRECT when the file system allows it
   */
  ChunkedFile(Path path, boolean background, boolean tryDirect) {
    this.path = path;
    try {
      this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + path, e);
    }
    long blockSize = blockSize(path);
    this.direct = tryDirect && blockSize > 0 ? openDirect(path) : null;
    this.block = direct == null ? 1 : blockSize;
    this.maxChunks = background ? BACKGROUND_CHUNKS : 1;
    this.free = new ArrayBlockingQueue<>(maxChunks);
    this.writer = background
        ? Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("lckv-convert-writer").factory())
        : null;
  }

  /**
   * Appends {@code bytes} at {@code offset}, at or after the end so far; a gap is zero-filled.
   * May block while the writer thread catches up; throws the first write failure of any thread.
   *
   * @param item what the bytes are, for the message of a write failure
   */
  void append(String item, long offset, MemorySegment bytes) {
    if (offset < end || finished) {
      throw new IllegalStateException("append at " + offset + " after " + end + " bytes"
          + (finished ? " to a finished file" : ""));
    }
    copy(item, offset - end, null);
    copy(item, bytes.byteSize(), bytes);
  }

  /** Bytes appended so far, gaps included. */
  long size() {
    return end;
  }

  /**
   * Writes the last chunk, waits for the writer thread, cuts the file to its length and syncs it
   * to disk: once this returns, the file is complete and durable.
   */
  void finish() {
    if (current != null && current.filled > 0) {
      submit(current);
    }
    current = null;
    stopWriter();
    throwIfFailed();
    try {
      if (channel.size() != end) {
        channel.truncate(end);
      }
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot finish " + path.getFileName(), e);
    }
    finished = true;
  }

  /** Without {@link #finish()} first, abandons the file: queued chunks are not written. */
  @Override
  public void close() {
    abandoned = !finished;
    stopWriter();
    try (channel) {
      if (direct != null) {
        direct.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + path.getFileName(), e);
    } finally {
      arena.close();
    }
  }

  /** Copies {@code count} bytes of {@code from} (zeros when null) into chunks, writing full ones. */
  private void copy(String item, long count, MemorySegment from) {
    for (long done = 0; done < count; ) {
      Chunk chunk = current(item);
      long n = Math.min(count - done, CHUNK_BYTES - chunk.filled);
      MemorySegment to = chunk.memory.asSlice(chunk.filled, n);
      if (from == null) {
        to.fill((byte) 0);
      } else {
        MemorySegment.copy(from, done, to, 0, n);
      }
      chunk.filled += n;
      done += n;
      end += n;
      if (chunk.filled == CHUNK_BYTES) {
        submit(chunk);
        current = null;
      }
    }
  }

  private Chunk current(String item) {
    if (current == null) {
      current = freeChunk();
      current.fileOffset = end;
      current.filled = 0;
      current.firstItem = item;
    }
    return current;
  }

  /** A chunk buffer: a new one while fewer than the limit exist, else the next handed back. */
  private Chunk freeChunk() {
    throwIfFailed();
    Chunk chunk = free.poll();
    if (chunk == null && allocated < maxChunks) {
      allocated++;
      return new Chunk(arena.allocate(CHUNK_BYTES, Math.max(block, 4096)));
    }
    if (chunk == null) {
      try {
        chunk = free.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException("interrupted while writing " + path.getFileName(),
            new InterruptedIOException());
      }
    }
    // A write may have failed while this thread waited.
    throwIfFailed();
    return chunk;
  }

  private void submit(Chunk chunk) {
    if (writer == null) {
      try {
        write(chunk);
      } catch (IOException e) {
        throw writeFailure(chunk, e);
      } finally {
        free.add(chunk);
      }
      return;
    }
    writer.execute(() -> {
      try {
        if (failure.get() == null && !abandoned) {
          write(chunk);
        }
      } catch (IOException | RuntimeException e) {
        failure.compareAndSet(null, writeFailure(chunk, e));
      } finally {
        free.add(chunk);
      }
    });
  }

  private void write(Chunk chunk) throws IOException {
    long length = (chunk.filled + block - 1) / block * block;
    ByteBuffer buffer = chunk.memory.asSlice(0, length).asByteBuffer();
    FileChannel target = direct != null ? direct : channel;
    while (buffer.hasRemaining()) {
      target.write(buffer, chunk.fileOffset + buffer.position());
    }
  }

  private UncheckedIOException writeFailure(Chunk chunk, Exception e) {
    IOException cause = e instanceof IOException io ? io : new IOException(e);
    return new UncheckedIOException(
        "cannot write " + chunk.firstItem + " to " + path.getFileName(), cause);
  }

  private void throwIfFailed() {
    UncheckedIOException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Lets the writer thread finish what it was given (or skip it, when abandoned) and end. */
  private void stopWriter() {
    if (writer == null) {
      return;
    }
    writer.shutdown();
    boolean interrupted = false;
    while (!writer.isTerminated()) {
      try {
        writer.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The alignment direct I/O needs there, or 0 when it does not divide a chunk. */
  private static long blockSize(Path path) {
    try {
      long size = Files.getFileStore(path).getBlockSize();
      return size > 0 && Long.bitCount(size) == 1 && size <= CHUNK_BYTES ? size : 0;
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
  }

  /** Null where the file system refuses O_DIRECT (tmpfs before Linux 6.6, some FUSE mounts). */
  private static FileChannel openDirect(Path path) {
    try {
      return FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
