package io.lckv.engine.kv;

/**
 * Shape of the paged KV pool: {@code blocks} blocks of {@code blockSize} token slots each. The
 * runner allocates the native pool with this shape and the engine hands out block ids {@code 0 ..
 * blocks-1}; both read it from the same value so they cannot disagree.
 */
public record KvPoolGeometry(int blockSize, int blocks) {

  public KvPoolGeometry {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be positive, not " + blockSize);
    }
    if (blocks < 1) {
      throw new IllegalArgumentException("the pool needs at least one block, not " + blocks);
    }
  }

  /** The most whole blocks a byte budget holds for a model with this footprint. */
  public static KvPoolGeometry forBudget(KvFootprint footprint, long budgetBytes, int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be positive, not " + blockSize);
    }
    long blocks = footprint.tokensWithin(budgetBytes) / blockSize;
    if (blocks < 1) {
      throw new IllegalArgumentException(
          "a KV budget of " + budgetBytes + " bytes holds no block of " + blockSize + " tokens at "
              + footprint.bytesPerToken() + " bytes per token");
    }
    return new KvPoolGeometry(blockSize, (int) Math.min(blocks, Integer.MAX_VALUE));
  }

  public long tokens() {
    return (long) blockSize * blocks;
  }
}
