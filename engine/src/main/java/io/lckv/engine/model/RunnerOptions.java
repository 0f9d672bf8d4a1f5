package io.lckv.engine.model;

import io.lckv.nativeops.PoolDtype;

/**
 * How a model runner is set up.
 *
 * @param device where the graph runs
 * @param kvBudgetBytes bytes of KV pool; as many whole blocks as fit are allocated up front
 * @param blockSize token slots per pool block
 * @param kvDtype storage type of cached keys and values (attention accumulates in float32)
 */
public record RunnerOptions(
    ExecutionDevice device, long kvBudgetBytes, int blockSize, PoolDtype kvDtype) {

  public static final int DEFAULT_BLOCK_SIZE = 16;

  public RunnerOptions {
    if (kvBudgetBytes < 1) {
      throw new IllegalArgumentException("kvBudgetBytes must be positive, not " + kvBudgetBytes);
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be positive, not " + blockSize);
    }
  }

  /** CPU, default threads, float16 cache of {@code kvBudgetBytes}. */
  public static RunnerOptions cpu(long kvBudgetBytes) {
    return new RunnerOptions(new ExecutionDevice.Cpu(0), kvBudgetBytes, DEFAULT_BLOCK_SIZE,
        PoolDtype.F16);
  }

  /** Bytes one cached element takes. */
  public int kvElementBytes() {
    return kvDtype == PoolDtype.F32 ? 4 : 2;
  }
}
