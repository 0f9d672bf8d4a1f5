package io.lckv.engine.kv;

/**
 * StreamingLLM eviction done to a sequence's committed cache before the step's new tokens:
 * entries {@code [firstIndex, firstIndex + count)} (cache indices before the eviction) are
 * dropped and every later entry's index decreases by {@code count}. Because RoPE positions are
 * indices within the kept cache (spec §5), a streaming sequence's keys are kept without rope and
 * rotated at their current index when read ({@link CacheView#streaming()}), so the shift needs no
 * work on the keys. No data moves between slots either: the engine has already dropped the blocks
 * that held only evicted entries, and the {@link CacheView} of the same step maps the kept
 * entries to their unchanged slots.
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
