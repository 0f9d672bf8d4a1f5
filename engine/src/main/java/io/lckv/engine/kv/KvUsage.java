package io.lckv.engine.kv;

/**
 * A consistent snapshot of the pool: blocks in use hold written entries; reserved blocks are
 * promised to admitted sequences (used blocks are part of them).
 */
public record KvUsage(int totalBlocks, int usedBlocks, long reservedBlocks, int sequences) {

  public double usedFraction() {
    return (double) usedBlocks / totalBlocks;
  }

  public double reservedFraction() {
    return (double) reservedBlocks / totalBlocks;
  }
}
