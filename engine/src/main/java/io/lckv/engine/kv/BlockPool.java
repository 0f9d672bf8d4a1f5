package io.lckv.engine.kv;

/**
 * Which blocks of the pool are free. Not thread-safe: {@link KvCache} guards it. Freeing a block that
 * is not allocated is a bookkeeping bug, so it throws rather than corrupting the free list.
 */
final class BlockPool {

  private final int[] freeStack;
  private final boolean[] allocated;
  private int freeCount;

  BlockPool(int blocks) {
    freeStack = new int[blocks];
    allocated = new boolean[blocks];
    // Lowest ids on top, so a fresh pool hands out 0, 1, 2, ... (easier to read in test failures).
    for (int i = 0; i < blocks; i++) {
      freeStack[i] = blocks - 1 - i;
    }
    freeCount = blocks;
  }

  int allocate() {
    if (freeCount == 0) {
      throw new IllegalStateException("KV pool exhausted: reservations should have prevented this");
    }
    int block = freeStack[--freeCount];
    allocated[block] = true;
    return block;
  }

  void free(int block) {
    if (block < 0 || block >= allocated.length || !allocated[block]) {
      throw new IllegalStateException("block " + block + " is not allocated");
    }
    allocated[block] = false;
    freeStack[freeCount++] = block;
  }

  boolean isAllocated(int block) {
    return allocated[block];
  }

  int total() {
    return allocated.length;
  }

  int free() {
    return freeCount;
  }

  int used() {
    return allocated.length - freeCount;
  }

  /** Free list and allocation flags describe the same set; no block is free twice. */
  void checkConsistent() {
    boolean[] seen = new boolean[allocated.length];
    for (int i = 0; i < freeCount; i++) {
      int block = freeStack[i];
      if (seen[block] || allocated[block]) {
        throw new IllegalStateException("free list corrupt at block " + block);
      }
      seen[block] = true;
    }
    long allocatedCount = 0;
    for (boolean a : allocated) {
      allocatedCount += a ? 1 : 0;
    }
    if (allocatedCount + freeCount != allocated.length) {
      throw new IllegalStateException(
          "allocated " + allocatedCount + " + free " + freeCount + " != " + allocated.length);
    }
  }
}
