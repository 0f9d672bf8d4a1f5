package io.lckv.engine.kv;

import java.util.Arrays;
import java.util.Optional;

/**
 * The blocks one sequence's cache occupies and how its kept entries map onto them (the mapping is
 * spelled out on {@link CacheView}). Mutable; {@link KvCache} guards it.
 *
 * <p>With a StreamingLLM window the S sinks get whole blocks of their own, so evicting the oldest
 * recent entries only ever empties blocks at the front of the recent region: those blocks go back
 * to the pool at once and no entry moves. The price is at most {@code blockSize - 1} unused slots
 * after the sinks. A window request therefore needs a bounded number of blocks however long it
 * generates, which is what its reservation is sized from.
 */
final class SequenceBlocks {

  private final int blockSize;
  private final int sinkTokens;
  private final long windowTokens;
  private final int sinkBlocks;
  private final int reservedBlocks;

  private int[] blocks = new int[4];
  private int blockCount;
  private int length;
  private int recentOffset;
  private int pending;

  SequenceBlocks(int blockSize, Optional<StreamingWindow> window, int reservedBlocks) {
    this.blockSize = blockSize;
    this.sinkTokens = window.map(StreamingWindow::sinkTokens).orElse(0);
    this.windowTokens = window.map(w -> (long) w.windowTokens()).orElse(Long.MAX_VALUE);
    this.sinkBlocks = Math.ceilDiv(sinkTokens, blockSize);
    this.reservedBlocks = reservedBlocks;
  }

  /**
   * Most blocks a sequence ever holds when {@code totalTokens} entries are written to it in all.
   * Without a window that is all of them. With one, the recent region spans at most the kept recent
   * entries plus the evicted-but-not-yet-freed slots before them in its first block.
   */
  static long worstCaseBlocks(int blockSize, Optional<StreamingWindow> window, long totalTokens) {
    if (window.isEmpty()) {
      return Math.ceilDiv(totalTokens, blockSize);
    }
    int sinks = window.get().sinkTokens();
    if (totalTokens <= sinks) {
      return Math.ceilDiv(totalTokens, blockSize);
    }
    long recentSlots =
        Math.min(totalTokens - sinks, blockSize - 1L + window.get().windowTokens() - sinks);
    return Math.ceilDiv(sinks, blockSize) + Math.ceilDiv(recentSlots, blockSize);
  }

  /** Most new tokens one step may write: with a window, sinks can never be evicted. */
  int maxNewTokens() {
    return (int) Math.min(Integer.MAX_VALUE, windowTokens - Math.min(length, sinkTokens));
  }

  /**
   * Evicts what the window requires, frees blocks that hold only evicted entries, allocates blocks
   * for {@code newTokens} more entries, and describes the result for the runner. The entries count
   * only after {@link #commit()}.
   */
  CacheView prepare(int newTokens, BlockPool pool) {
    if (pending != 0) {
      throw new IllegalStateException("previous step of " + pending + " tokens not committed");
    }
    if (newTokens < 1 || newTokens > maxNewTokens()) {
      throw new IllegalArgumentException(
          newTokens + " new tokens: one step takes 1.." + maxNewTokens() + " here");
    }
    int evicted = (int) Math.max(0, length + (long) newTokens - windowTokens);
    if (evicted > 0) {
      length -= evicted;
      recentOffset += evicted;
      while (recentOffset >= blockSize) {
        pool.free(removeBlock(sinkBlocks));
        recentOffset -= blockSize;
      }
    }
    int needed = blocksFor(length + newTokens);
    if (needed > reservedBlocks) {
      throw new IllegalStateException(
          "sequence needs " + needed + " blocks but reserved only " + reservedBlocks);
    }
    while (blockCount < needed) {
      appendBlock(pool.allocate());
    }
    pending = newTokens;
    return new CacheView(
        Arrays.copyOf(blocks, blockCount),
        blockSize,
        sinkTokens,
        recentOffset,
        new KvLength.Uniform(length),
        evicted > 0 ? Optional.of(new KvEviction(sinkTokens, evicted)) : Optional.empty(),
        windowTokens != Long.MAX_VALUE);
  }

  /** The runner wrote the prepared entries. */
  void commit() {
    length += pending;
    pending = 0;
  }

  void releaseTo(BlockPool pool) {
    for (int i = 0; i < blockCount; i++) {
      pool.free(blocks[i]);
    }
    blockCount = 0;
    pending = 0;
    length = 0;
  }

  int reservedBlocks() {
    return reservedBlocks;
  }

  int blockCount() {
    return blockCount;
  }

  int block(int i) {
    return blocks[i];
  }

  int length() {
    return length;
  }

  void checkInvariants() {
    int expected = blocksFor(length + pending);
    if (blockCount != expected) {
      throw new IllegalStateException(
          "holds " + blockCount + " blocks, " + (length + pending) + " entries need " + expected);
    }
    if (blockCount > reservedBlocks) {
      throw new IllegalStateException("holds " + blockCount + " > reserved " + reservedBlocks);
    }
    if (length + pending > windowTokens) {
      throw new IllegalStateException("cache of " + (length + pending) + " exceeds the window");
    }
    if (recentOffset < 0 || recentOffset >= blockSize || (recentOffset > 0 && length < sinkTokens)) {
      throw new IllegalStateException("recent offset " + recentOffset + " at length " + length);
    }
  }

  private int blocksFor(int entries) {
    if (entries <= sinkTokens) {
      return Math.ceilDiv(entries, blockSize);
    }
    return sinkBlocks + Math.ceilDiv(recentOffset + entries - sinkTokens, blockSize);
  }

  private void appendBlock(int block) {
    if (blockCount == blocks.length) {
      blocks = Arrays.copyOf(blocks, blocks.length * 2);
    }
    blocks[blockCount++] = block;
  }

  private int removeBlock(int index) {
    int block = blocks[index];
    System.arraycopy(blocks, index + 1, blocks, index, blockCount - index - 1);
    blockCount--;
    return block;
  }
}
