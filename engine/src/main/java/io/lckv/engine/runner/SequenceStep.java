package io.lckv.engine.runner;

import io.lckv.engine.kv.CacheView;

/**
 * One sequence's share of a step.
 *
 * @param sequenceId unique for the engine's lifetime
 * @param tokenIds the new tokens, at least one
 * @param positions cache index, and RoPE position, of each new token: {@code committed + j}
 * @param cache where the committed entries are and where the new ones go
 * @param mode the semantics {@code passes} implements; informational, the runner runs {@code
 *     passes}
 * @param passes passes of every cyclic layer group, 1 &lt;= passes &lt;= tokens
 * @param logits which rows the engine wants back
 */
public record SequenceStep(
    long sequenceId,
    int[] tokenIds,
    int[] positions,
    CacheView cache,
    PrefillMode mode,
    int passes,
    LogitsRows logits) {

  /** Rows of logits a step returns for one sequence. */
  public enum LogitsRows {
    /** Only the last new token's: what sampling needs. */
    LAST,
    /** One per new token, e.g. for prompt log-probabilities or perplexity. */
    ALL
  }

  public SequenceStep {
    tokenIds = tokenIds.clone();
    positions = positions.clone();
    if (tokenIds.length == 0 || tokenIds.length != positions.length) {
      throw new IllegalArgumentException(
          tokenIds.length + " tokens and " + positions.length + " positions");
    }
    if (passes < 1 || passes > tokenIds.length) {
      throw new IllegalArgumentException(passes + " passes for " + tokenIds.length + " tokens");
    }
  }

  @Override
  public int[] tokenIds() {
    return tokenIds.clone();
  }

  @Override
  public int[] positions() {
    return positions.clone();
  }

  public int newTokens() {
    return tokenIds.length;
  }
}
