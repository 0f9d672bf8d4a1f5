package io.lckv.server.api.dto;

import io.lckv.engine.Usage;

/** OpenAI's {@code usage}. */
public record TokenUsage(int promptTokens, int completionTokens, int totalTokens) {

  public static TokenUsage of(Usage usage) {
    return new TokenUsage(usage.promptTokens(), usage.completionTokens(), usage.totalTokens());
  }
}
