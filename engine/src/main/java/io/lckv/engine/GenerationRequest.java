package io.lckv.engine;

import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.SamplingParams;
import java.util.Optional;

/**
 * One generation: a tokenized prompt and how to continue it.
 *
 * @param promptTokens the prompt, chat template and special tokens already applied
 * @param sampling how tokens are picked and when generation stops
 * @param prefill pass semantics for the prompt; {@link PrefillMode#REFERENCE} reproduces the
 *     authors' numbers
 * @param streaming a StreamingLLM window, so the request may generate past the model's context
 */
public record GenerationRequest(
    int[] promptTokens,
    SamplingParams sampling,
    PrefillMode prefill,
    Optional<StreamingWindow> streaming) {

  public GenerationRequest {
    if (promptTokens.length == 0) {
      throw new InvalidParameterException("prompt", "must hold at least one token");
    }
    promptTokens = promptTokens.clone();
  }

  /** Reference-mode prefill, no window: the default a server should use. */
  public static GenerationRequest of(int[] promptTokens, SamplingParams sampling) {
    return new GenerationRequest(promptTokens, sampling, PrefillMode.REFERENCE, Optional.empty());
  }

  @Override
  public int[] promptTokens() {
    return promptTokens.clone();
  }

  /** Entries the request writes to the cache at most: the last sampled token is never fed back. */
  long cacheTokensAtMost() {
    return (long) promptTokens.length + sampling.maxTokens() - 1;
  }
}
