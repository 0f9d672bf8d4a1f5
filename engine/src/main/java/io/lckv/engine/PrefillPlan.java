package io.lckv.engine;

import io.lckv.engine.runner.ModelSpec;
import io.lckv.engine.runner.PrefillMode;

/**
 * How a prompt is split into steps, decided once when the request is admitted. A request's numbers
 * must not depend on how its prompt was split, nor on what else shared the steps. Spec §4 defines
 * reference mode on the whole span of new tokens, so:
 *
 * <ul>
 *   <li>Exact mode: {@link Split#FREE} chunks, each run with as many passes as it has tokens.
 *   <li>Reference mode where it equals exact on this prompt (at most M tokens, or {@code
 *       use_sequential}): the same, with the same numbers.
 *   <li>Reference mode otherwise, prompt of at most {@code maxReferenceSpanTokens} that fits the
 *       request's StreamingLLM window: {@link Split#WHOLE}, one step with M passes, a step of its own
 *       if it exceeds the step budget.
 *   <li>Longer: the prompt is prefilled in exact mode and the request reports {@link
 *       PrefillMode#EXACT}. Running it as one span would stall every other request for a long
 *       step; chunking it in reference mode would produce numbers nobody defined.
 * </ul>
 *
 * With a StreamingLLM window, eviction inside the prompt depends on where chunks end, so chunks
 * are {@link Split#FIXED} rather than free.
 *
 * @param mode the semantics the prompt's numbers follow
 * @param split how chunk boundaries are chosen
 * @param spanPasses passes of the single step of a {@link Split#WHOLE} prompt
 */
record PrefillPlan(PrefillMode mode, Split split, int spanPasses) {

  enum Split {
    /** Any chunk sizes give the same numbers; chunks fill whatever budget is left. */
    FREE,
    /**
     * Chunks of {@code min(remaining, window room, maxTokensPerStep)} tokens, fixed by the request
     * alone: a chunk waits for a step with room for all of it.
     */
    FIXED,
    /** The whole prompt in one step. */
    WHOLE
  }

  /**
   * @param window whether the request has a StreamingLLM window
   * @param maxFirstStep most tokens one step may write to this request's cache (its window),
   *     {@link Integer#MAX_VALUE} without one
   */
  static PrefillPlan decide(
      PrefillMode requested, int promptTokens, ModelSpec spec, int maxReferenceSpanTokens,
      boolean window, int maxFirstStep) {
    if (requested == PrefillMode.REFERENCE && spec.referenceDiffersFromExact(promptTokens)) {
      if (promptTokens <= maxReferenceSpanTokens && promptTokens <= maxFirstStep) {
        return new PrefillPlan(
            PrefillMode.REFERENCE, Split.WHOLE, spec.referencePassesFor(promptTokens));
      }
      return new PrefillPlan(PrefillMode.EXACT, window ? Split.FIXED : Split.FREE, 0);
    }
    return new PrefillPlan(requested, window ? Split.FIXED : Split.FREE, 0);
  }

  int passes(int chunkTokens) {
    return split == Split.WHOLE ? spanPasses : chunkTokens;
  }
}
