package io.lckv.nativeops;

/**
 * The shape of a KV pool: how many KV layers it serves and how one block of it is laid out
 * (native/README.md §4). Java mirrors the native checks so that a wrong size fails here, with the
 * field named, before any memory is reserved.
 *
 * @param blockSize tokens per block: a block id reserves this many slots in every KV layer
 */
public record PoolGeometry(int numKvLayers, int numKvHeads, int headDim, int blockSize) {

  public PoolGeometry {
    positive("numKvLayers", numKvLayers);
    positive("numKvHeads", numKvHeads);
    positive("headDim", headDim);
    positive("blockSize", blockSize);
  }

  /** Floats of K (or of V) for one slot of one KV layer: {@code [KvH, D]}. */
  public int slotFloats() {
    return Math.multiplyExact(numKvHeads, headDim);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " = " + value + " must be >= 1");
    }
  }
}
