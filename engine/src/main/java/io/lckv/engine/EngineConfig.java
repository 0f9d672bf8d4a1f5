package io.lckv.engine;

/**
 * Scheduling limits. The KV pool's size is not here: the runner allocated it and reports it in
 * {@link io.lckv.engine.runner.ModelSpec#pool()}.
 *
 * @param maxBatch most requests admitted at once (each holds a KV reservation)
 * @param maxTokensPerStep most new tokens in one runner call; decode calls carry one per request,
 *     so it must be at least {@code maxBatch}
 * @param maxReferenceSpanTokens longest reference-mode prompt run as one span, even past {@code
 *     maxTokensPerStep}; a longer one (where reference differs from exact) is prefilled in exact
 *     mode instead, see {@link PrefillPlan}
 * @param maxWaiting most requests queued for admission; beyond it a submit is overloaded
 */
public record EngineConfig(
    int maxBatch, int maxTokensPerStep, int maxReferenceSpanTokens, int maxWaiting) {

  public EngineConfig {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be positive, not " + maxBatch);
    }
    if (maxTokensPerStep < maxBatch) {
      throw new IllegalArgumentException(
          "maxTokensPerStep (" + maxTokensPerStep + ") must hold a decode step of maxBatch ("
              + maxBatch + ") tokens");
    }
    if (maxReferenceSpanTokens < 1) {
      throw new IllegalArgumentException(
          "maxReferenceSpanTokens must be positive, not " + maxReferenceSpanTokens);
    }
    if (maxWaiting < 0) {
      throw new IllegalArgumentException("maxWaiting cannot be negative: " + maxWaiting);
    }
  }
}
