package io.lckv.server.api.dto;

/**
 * LCKV extension {@code streaming}: StreamingLLM attention sinks (spec §5). The cache keeps the
 * first {@code sink_tokens} entries and the latest ones up to {@code window_tokens} in all, so a
 * request may generate past the model's context.
 */
public record StreamingLlm(Integer sinkTokens, Integer windowTokens) {}
