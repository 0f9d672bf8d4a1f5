package io.lckv.engine.kv;

import java.util.Optional;

/**
 * What the runner needs to find a sequence's cache entries in the paged pool for one step.
 *
 * <p>Entry {@code i} of the kept cache lives in slot {@link #slotOf(int) slotOf(i)} of the
 * sequence's slot space, and slot {@code s} is offset {@code s % blockSize} of block {@code
 * blockTable[s / blockSize]}:
 *
 * <pre>
 *   i &lt; sinkTokens : slot i                                   (sinks, in the first sinkBlocks() blocks)
 *   otherwise       : sinkBlocks()*blockSize + recentOffset + (i - sinkTokens)
 * </pre>
 *
 * Without a StreamingLLM window {@code sinkTokens} and {@code recentOffset} are 0 and entry i is
 * simply slot i. The step's new tokens take entries {@code committed .. committed + n - 1} and the
 * table already holds blocks for them.
 *
 * @param blockTable pool block ids in slot order; owned by this sequence for the step
 * @param blockSize slots per block
 * @param sinkTokens StreamingLLM sinks S (0 without a window)
 * @param recentOffset slot offset of the first kept recent entry inside the first block after the
 *     sink blocks; grows as entries are evicted and wraps when a whole block is dropped
 * @param committed entries already in the cache after {@code eviction} was applied
 * @param eviction entries to drop before writing (present only for StreamingLLM requests)
 * @param streaming the sequence has a StreamingLLM window, so the runner keeps its keys without
 *     rope and rotates them at their current index when they are read: evictions lower the index
 *     of every later entry, and keys stored with the rope of their first index would go stale
 */
public record CacheView(
    int[] blockTable,
    int blockSize,
    int sinkTokens,
    int recentOffset,
    KvLength committed,
    Optional<KvEviction> eviction,
    boolean streaming) {

  public CacheView {
    blockTable = blockTable.clone();
  }

  @Override
  public int[] blockTable() {
    return blockTable.clone();
  }

  public int sinkBlocks() {
    return Math.ceilDiv(sinkTokens, blockSize);
  }

  /** Slot of cache entry {@code index} in this sequence's slot space. */
  public int slotOf(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("negative cache index " + index);
    }
    return index < sinkTokens
        ? index
        : sinkBlocks() * blockSize + recentOffset + (index - sinkTokens);
  }

  /** Pool block holding cache entry {@code index}. */
  public int blockOf(int index) {
    int block = slotOf(index) / blockSize;
    if (block >= blockTable.length) {
      throw new IndexOutOfBoundsException(
          "cache index " + index + " lies beyond the " + blockTable.length + " blocks of this step");
    }
    return blockTable[block];
  }

  /** Offset of cache entry {@code index} inside {@link #blockOf(int) its block}. */
  public int offsetOf(int index) {
    return slotOf(index) % blockSize;
  }
}
