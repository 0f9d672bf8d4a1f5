package io.lckv.engine;

/**
 * Engine gauges.
 *
 * @param running requests holding a KV reservation (prefilling or decoding)
 * @param waiting requests queued for admission
 * @param kvUsage fraction of pool blocks holding entries
 * @param kvReserved fraction of pool blocks promised to running requests
 */
public record EngineStats(int running, int waiting, double kvUsage, double kvReserved) {}
