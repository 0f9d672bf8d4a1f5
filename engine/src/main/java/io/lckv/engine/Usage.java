package io.lckv.engine;

/**
 * Token counts of a request. Completion tokens count every sampled token, including an
 * end-of-sequence token or one that completed a stop string, which produce no text.
 */
public record Usage(int promptTokens, int completionTokens) {

  public int totalTokens() {
    return promptTokens + completionTokens;
  }
}
