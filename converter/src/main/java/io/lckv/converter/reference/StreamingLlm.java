package io.lckv.converter.reference;

/**
 * StreamingLLM attention sinks (spec §5): before a call of n new tokens that would overflow
 * {@code window} cache entries, every KV layer keeps its first {@code sinks} entries and its
 * latest {@code window - sinks - n}. Positions, for RoPE and for the masks, are indices within
 * the kept cache.
 */
public record StreamingLlm(int sinks, int window) {

  public StreamingLlm {
    if (sinks < 0 || sinks >= window) {
      throw new IllegalArgumentException(
          "StreamingLLM needs 0 <= sinks < window, got sinks " + sinks + " and window " + window);
    }
  }

  /** Most new tokens one call can add once the cache is full. */
  int maxNewTokens() {
    return window - sinks;
  }
}
