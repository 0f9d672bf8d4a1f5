package io.lckv.nativeops;

/**
 * What {@code lckv_pool_stats} reports: the pool's configuration and sizes, then how often the
 * ops used it (the counters let tests and the engine see which nodes of a run really executed).
 *
 * @param device -1 for host memory, else the CUDA device id
 * @param committedTokens sum over commit calls of batch size times new tokens
 */
public record PoolStats(
    PoolGeometry geometry,
    int numBlocks,
    PoolDtype dtype,
    int device,
    long bytesPerBlock,
    long totalBytes,
    long attentionCalls,
    long commitCalls,
    long committedTokens) {

  /** The 12 values in the C API's order. */
  static PoolStats of(long[] v) {
    return new PoolStats(
        new PoolGeometry((int) v[0], (int) v[1], (int) v[2], (int) v[3]),
        (int) v[4],
        PoolDtype.ofCode(v[5]),
        (int) v[6],
        v[7],
        v[8],
        v[9],
        v[10],
        v[11]);
  }
}
