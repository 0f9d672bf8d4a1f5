package io.lckv.converter.graph;

/**
 * Main-graph values every layer of a step reads: the pool inputs and the rope tables.
 *
 * @param workingKvZeros float32 zeros {@code [B, n, KvH*D]}: the working KV of a cyclic group's
 *     KV layers before its first pass (spec §4: real zero vectors, not masked positions)
 */
record StepValues(String pool, String blockTable, String cacheLens, String sinks, Rope rope,
    String workingKvZeros) {}
