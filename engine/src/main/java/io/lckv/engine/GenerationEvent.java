package io.lckv.engine;

import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.TokenLogprobs;
import java.util.Optional;

/** What a request's event stream carries: tokens as they are sampled, then exactly one finish. */
public sealed interface GenerationEvent {

  /**
   * A sampled token. {@code text} is the text it released: empty while a character or a possible
   * stop string is incomplete, and longer than the token's own text when it completes held-back
   * text. An end-of-sequence token produces no event.
   *
   * @param index 0 for the first generated token
   */
  record Token(int index, int tokenId, String text, Optional<TokenLogprobs> logprobs)
      implements GenerationEvent {}

  /**
   * The request ended.
   *
   * @param text held-back text released at the end (empty after a stop string, a cancel or an
   *     error)
   * @param prefillMode the semantics the prompt's numbers follow: {@link PrefillMode#EXACT} when a
   *     reference-mode prompt was too long to run as one span
   * @param error what failed, for {@link FinishReason#ERROR}
   */
  record Finished(
      FinishReason reason,
      String text,
      Usage usage,
      RequestTimings timings,
      PrefillMode prefillMode,
      Optional<String> error)
      implements GenerationEvent {}
}
