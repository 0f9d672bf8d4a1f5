package io.lckv.converter.graph;

/**
 * Main-graph values every layer of a step reads: the pool inputs, the rope tables, and what the
 * lckv ops need for rope at read time.
 *
 * @param layout the per-sequence layout inputs both ops take, in their order: sinks,
 *     recent_offset, rope_at_read
 * @param invFreq the model's rope frequencies (the ops' rope_inv_freq attribute)
 * @param workingKvZeros float32 zeros {@code [B, n, KvH*D]}: the working KV of a cyclic group's
 *     KV layers before its first pass (spec §4: real zero vectors, not masked positions)
 */
record StepValues(String pool, String blockTable, String cacheLens, String[] layout, Rope rope,
    float[] invFreq, String workingKvZeros) {

  /** The rope attributes of an lckv node: rope_inv_freq and rotary_dim. */
  OnnxGraph.Node ropeAttributes(OnnxGraph.Node node) {
    return node.attr("rope_inv_freq", invFreq).attr("rotary_dim", 2L * invFreq.length);
  }
}
