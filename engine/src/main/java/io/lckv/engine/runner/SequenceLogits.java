package io.lckv.engine.runner;

/**
 * Logits a step produced for one sequence: one row of {@code vocabSize} per requested position,
 * last new token last.
 */
public record SequenceLogits(float[][] rows) {

  public SequenceLogits {
    if (rows.length == 0) {
      throw new IllegalArgumentException("a sequence's logits need at least one row");
    }
  }

  public float[] last() {
    return rows[rows.length - 1];
  }
}
