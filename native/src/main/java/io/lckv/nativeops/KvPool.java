package io.lckv.nativeops;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A paged KV pool in native memory (native/README.md §4): the committed keys and values of every
 * request, addressed through per-request block tables. Graphs name it by {@link #handle()} in
 * their {@code pool} input.
 *
 * <p>Not locked: callers must not write blocks, nor close the pool, while an ORT run that uses
 * them is in flight. A closed pool's handle is never reused, so a run that still names
 * it fails with the op's "unknown pool" message instead of touching freed memory.
 */
public final class KvPool implements AutoCloseable {

  /** The {@code device} of a pool in host memory, read by the CPU execution provider. */
  public static final int HOST = -1;

  private static final int STATS_FIELDS = 12;

  private final long handle;
  private final PoolGeometry geometry;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KvPool(long handle, PoolGeometry geometry) {
    this.handle = handle;
    this.geometry = geometry;
  }

  /** Bytes one block takes: every KV layer's K and V tiles for {@code blockSize} slots. */
  public static long bytesPerBlock(PoolGeometry geometry, PoolDtype dtype) {
    long bytes;
    try {
      bytes = (long) NativeLibrary.BYTES_PER_BLOCK.invokeExact(geometry.numKvLayers(),
          geometry.numKvHeads(), geometry.headDim(), geometry.blockSize(), dtype.code);
    } catch (Throwable t) {
      throw callFailed("lckv_pool_bytes_per_block", t);
    }
    if (bytes < 0) {
      throw failure(-bytes);
    }
    return bytes;
  }

  /** Allocates (zero-filled) {@code numBlocks} blocks on {@code device} ({@link #HOST} or a GPU). */
  public static KvPool create(PoolGeometry geometry, int numBlocks, PoolDtype dtype, int device) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
      int status = (int) NativeLibrary.CREATE.invokeExact(geometry.numKvLayers(),
          geometry.numKvHeads(), geometry.headDim(), geometry.blockSize(), numBlocks, dtype.code,
          device, out);
      check(status);
      return new KvPool(out.get(ValueLayout.JAVA_LONG, 0), geometry);
    } catch (KvPoolException e) {
      throw e;
    } catch (Throwable t) {
      throw callFailed("lckv_pool_create", t);
    }
  }

  /** As many blocks as {@code budgetBytes} holds (at most {@code Integer.MAX_VALUE}). */
  public static KvPool withBudget(
      PoolGeometry geometry, long budgetBytes, PoolDtype dtype, int device) {
    long blocks = budgetBytes / bytesPerBlock(geometry, dtype);
    if (blocks < 1) {
      throw new IllegalArgumentException(
          "a budget of " + budgetBytes + " bytes holds no block of "
              + bytesPerBlock(geometry, dtype) + " bytes");
    }
    return create(geometry, (int) Math.min(blocks, Integer.MAX_VALUE), dtype, device);
  }

  /** The value graphs take as their {@code pool} input. */
  public long handle() {
    return handle;
  }

  public PoolGeometry geometry() {
    return geometry;
  }

  public PoolStats stats() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, STATS_FIELDS);
      check((int) NativeLibrary.STATS.invokeExact(handle, out, STATS_FIELDS));
      return PoolStats.of(out.toArray(ValueLayout.JAVA_LONG));
    } catch (KvPoolException e) {
      throw e;
    } catch (Throwable t) {
      throw callFailed("lckv_pool_stats", t);
    }
  }

  /**
   * Writes K and V rows ({@code [count, KvH, D]}, count = length / (KvH*D)) into slots
   * {@code start …} of one KV layer: prefix import and tests.
   */
  public void writeSlots(int kvLayer, int[] blockTable, int start, KvSlots slots) {
    int count = slotCount(slots.keys().length);
    try (Arena arena = Arena.ofConfined()) {
      move(NativeLibrary.WRITE_SLOTS, kvLayer, table(arena, blockTable), blockTable.length, start,
          count, arena.allocateFrom(ValueLayout.JAVA_FLOAT, slots.keys()),
          arena.allocateFrom(ValueLayout.JAVA_FLOAT, slots.values()));
    }
  }

  /** Reads slots {@code start … start+count-1} of one KV layer as float32. */
  public KvSlots readSlots(int kvLayer, int[] blockTable, int start, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count = " + count + " must be >= 0");
    }
    long floats = Math.multiplyExact((long) count, geometry.slotFloats());
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment k = arena.allocate(ValueLayout.JAVA_FLOAT, floats);
      MemorySegment v = arena.allocate(ValueLayout.JAVA_FLOAT, floats);
      move(NativeLibrary.READ_SLOTS, kvLayer, table(arena, blockTable), blockTable.length, start,
          count, k, v);
      return new KvSlots(k.toArray(ValueLayout.JAVA_FLOAT), v.toArray(ValueLayout.JAVA_FLOAT));
    }
  }

  /** Frees the pool's memory; later calls and runs naming it fail as unknown handles. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        check((int) NativeLibrary.DESTROY.invokeExact(handle));
      } catch (KvPoolException e) {
        throw e;
      } catch (Throwable t) {
        throw callFailed("lckv_pool_destroy", t);
      }
    }
  }

  private int slotCount(int floats) {
    if (floats % geometry.slotFloats() != 0) {
      throw new IllegalArgumentException(
          floats + " floats are not whole slots of num_kv_heads*head_dim = "
              + geometry.slotFloats());
    }
    return floats / geometry.slotFloats();
  }

  private void move(MethodHandle function, int kvLayer, MemorySegment table, int tableLength,
      int start, int count, MemorySegment k, MemorySegment v) {
    try {
      check((int) function.invokeExact(handle, kvLayer, table, tableLength, start, count, k, v));
    } catch (KvPoolException e) {
      throw e;
    } catch (Throwable t) {
      throw callFailed("moving pool slots", t);
    }
  }

  private static MemorySegment table(Arena arena, int[] blockTable) {
    return blockTable.length == 0
        ? MemorySegment.NULL
        : arena.allocateFrom(ValueLayout.JAVA_INT, blockTable);
  }

  private static void check(int status) {
    if (status != 0) {
      throw failure(status);
    }
  }

  private static KvPoolException failure(long status) {
    String message = NativeLibrary.lastError();
    return new KvPoolException(KvPoolException.Status.ofCode(status, message), message);
  }

  private static IllegalStateException callFailed(String what, Throwable t) {
    return new IllegalStateException(what + ": the native call itself failed", t);
  }
}
