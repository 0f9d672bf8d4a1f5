package io.lckv.engine.kv;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Block accounting for the paged KV pool: which blocks each sequence owns, and how many it may
 * still claim.
 *
 * <p>A sequence is admitted only by reserving the most blocks it can ever hold ({@link
 * #tryReserve}); blocks are then taken lazily, step by step, and never beyond the reservation. As
 * the reservations of all sequences never exceed the pool, an admitted sequence always finds its
 * next block: nothing is preempted or starved mid-generation. The price is that a request which
 * stops early kept its unused reservation until it finished.
 *
 * <p>Thread-safe: the engine loop prepares and commits steps while request threads reserve and
 * gauges read usage.
 */
public final class KvCache {

  private final KvPoolGeometry geometry;
  private final BlockPool pool;
  private final Map<Long, SequenceBlocks> sequences = new HashMap<>();
  private long reservedBlocks;

  public KvCache(KvPoolGeometry geometry) {
    this.geometry = geometry;
    this.pool = new BlockPool(geometry.blocks());
  }

  public KvPoolGeometry geometry() {
    return geometry;
  }

  /** Blocks a sequence must reserve to write {@code totalTokens} entries in all. */
  public long blocksToReserve(long totalTokens, Optional<StreamingWindow> window) {
    return SequenceBlocks.worstCaseBlocks(geometry.blockSize(), window, totalTokens);
  }

  /**
   * Reserves blocks for a sequence that will write at most {@code totalTokens} entries, or returns
   * false (and reserves nothing) when the unreserved part of the pool is too small.
   */
  public synchronized boolean tryReserve(
      long sequenceId, long totalTokens, Optional<StreamingWindow> window) {
    if (sequences.containsKey(sequenceId)) {
      throw new IllegalStateException("sequence " + sequenceId + " already holds a reservation");
    }
    long needed = blocksToReserve(totalTokens, window);
    if (reservedBlocks + needed > pool.total()) {
      return false;
    }
    reservedBlocks += needed;
    sequences.put(sequenceId, new SequenceBlocks(geometry.blockSize(), window, (int) needed));
    return true;
  }

  /** See {@link SequenceBlocks#maxNewTokens()}. */
  public synchronized int maxNewTokens(long sequenceId) {
    return sequence(sequenceId).maxNewTokens();
  }

  /** Evicts and allocates for the next step of {@code newTokens} entries; see {@link CacheView}. */
  public synchronized CacheView prepare(long sequenceId, int newTokens) {
    return sequence(sequenceId).prepare(newTokens, pool);
  }

  /** The step that {@link #prepare} described has written its entries. */
  public synchronized void commit(long sequenceId) {
    sequence(sequenceId).commit();
  }

  /** Returns every block and the reservation of a sequence; a no-op for an unknown sequence. */
  public synchronized void release(long sequenceId) {
    SequenceBlocks removed = sequences.remove(sequenceId);
    if (removed != null) {
      removed.releaseTo(pool);
      reservedBlocks -= removed.reservedBlocks();
    }
  }

  public synchronized boolean holds(long sequenceId) {
    return sequences.containsKey(sequenceId);
  }

  public synchronized KvUsage usage() {
    return new KvUsage(pool.total(), pool.used(), reservedBlocks, sequences.size());
  }

  /**
   * Throws if the books do not balance: every allocated block has exactly one owner, every
   * sequence holds exactly the blocks its entries need and no more than it reserved, and the
   * reservations fit the pool.
   */
  public synchronized void checkInvariants() {
    pool.checkConsistent();
    boolean[] owned = new boolean[pool.total()];
    long owners = 0;
    long reserved = 0;
    for (var entry : sequences.entrySet()) {
      SequenceBlocks seq = entry.getValue();
      try {
        seq.checkInvariants();
      } catch (IllegalStateException e) {
        throw new IllegalStateException("sequence " + entry.getKey() + ": " + e.getMessage(), e);
      }
      for (int i = 0; i < seq.blockCount(); i++) {
        int block = seq.block(i);
        if (owned[block] || !pool.isAllocated(block)) {
          throw new IllegalStateException("block " + block + " owned twice or not allocated");
        }
        owned[block] = true;
        owners++;
      }
      reserved += seq.reservedBlocks();
    }
    if (owners != pool.used()) {
      throw new IllegalStateException(pool.used() + " blocks allocated, " + owners + " owned");
    }
    if (reserved != reservedBlocks || reservedBlocks > pool.total()) {
      throw new IllegalStateException(
          "reserved " + reservedBlocks + " (sum " + reserved + ") of " + pool.total());
    }
  }

  private SequenceBlocks sequence(long sequenceId) {
    SequenceBlocks seq = sequences.get(sequenceId);
    if (seq == null) {
      throw new IllegalStateException("sequence " + sequenceId + " holds no reservation");
    }
    return seq;
  }
}
