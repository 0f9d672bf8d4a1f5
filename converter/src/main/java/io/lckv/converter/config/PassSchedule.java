package io.lckv.converter.config;

/**
 * How many passes a cyclic group runs (spec §4): m = {@code forward_passes} prefill passes
 * without gradient and b = {@code backward_passes} with gradient in training.
 */
public record PassSchedule(int forwardPasses, int backwardPasses, boolean useSequential) {

  public PassSchedule {
    if (forwardPasses < 0 || backwardPasses < 0) {
      throw new IllegalArgumentException(
          "negative pass count: forward " + forwardPasses + ", backward " + backwardPasses);
    }
  }

  /** M = m + max(b, 1): the reference's pass cap for long spans. */
  public int maxPasses() {
    return forwardPasses + Math.max(backwardPasses, 1);
  }

  /**
   * Passes the reference runs over a span of {@code newTokens} tokens of one request step: n
   * (exact) when n <= M or the model is sequential, else M (approximate for n > M).
   */
  public int referencePasses(int newTokens) {
    if (newTokens < 1) {
      throw new IllegalArgumentException("a span has at least one token, got " + newTokens);
    }
    return useSequential || newTokens <= maxPasses() ? newTokens : maxPasses();
  }
}
