package io.lckv.engine.kv;

/**
 * Bytes the condensed KV cache needs per token (spec §7): only KV layers store keys and values,
 * which is where an LCKV model's larger batches come from.
 *
 * @param kvLayers number of distinct layers that compute keys/values
 * @param kvHeads key/value heads per KV layer
 * @param headDim dimension of one head
 * @param bytesPerElement storage size of one cache element (2 for fp16/bf16, 4 for fp32)
 */
public record KvFootprint(int kvLayers, int kvHeads, int headDim, int bytesPerElement) {

  public KvFootprint {
    if (kvLayers < 1 || kvHeads < 1 || headDim < 1) {
      throw new IllegalArgumentException(
          "kvLayers, kvHeads and headDim must be positive: " + kvLayers + ", " + kvHeads + ", " + headDim);
    }
    if (bytesPerElement != 2 && bytesPerElement != 4) {
      throw new IllegalArgumentException("bytesPerElement must be 2 or 4, not " + bytesPerElement);
    }
  }

  /** Keys plus values, every KV layer. */
  public long bytesPerToken() {
    return 2L * kvLayers * kvHeads * headDim * bytesPerElement;
  }

  /** How many tokens of cache fit in a byte budget. */
  public long tokensWithin(long budgetBytes) {
    return budgetBytes / bytesPerToken();
  }
}
