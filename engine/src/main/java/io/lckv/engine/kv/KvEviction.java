package io.lckv.engine.kv;

/**
 * StreamingLLM eviction the runner applies to a sequence's committed cache before it writes the
 * step's new tokens: entries {@code [firstIndex, firstIndex + count)} (cache indices before the
 * eviction) are dropped, every later entry's index decreases by {@code count}, and because RoPE
 * positions are indices within the kept cache (spec §5) the kept keys at those later indices must be
 * re-rotated by {@code -count} positions (or rope must be applied at attention time). No data moves
 * between slots: the engine has already dropped the blocks that held only evicted entries, and the
 * {@link CacheView} of the same step maps the kept entries to their unchanged slots.
 *
 * @param firstIndex the first evicted index, always the sink count
 * @param count how many entries are dropped, at least one
 */
public record KvEviction(int firstIndex, int count) {

  public KvEviction {
    if (firstIndex < 0 || count < 1) {
      throw new IllegalArgumentException("bad eviction [" + firstIndex + ", +" + count + ")");
    }
  }
}
