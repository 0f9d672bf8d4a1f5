package io.lckv.converter.golden;

/**
 * The greedy run of {@link GreedyGolden} with StreamingLLM: before each call of n new tokens
 * that would overflow {@code window} entries, the cache keeps its first {@code sinks} entries and
 * its latest {@code window - sinks - n}; RoPE positions and masks count within the kept cache.
 */
public record StreamingGolden(int sinks, int window, GreedyGolden run) {}
