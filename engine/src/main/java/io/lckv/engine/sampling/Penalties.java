package io.lckv.engine.sampling;

import java.util.Map;

/** Applies a request's penalties to its logits, in place. */
final class Penalties {

  private Penalties() {}

  /**
   * Hugging Face's repetition penalty first (a positive logit is divided by it, a negative one
   * multiplied, so &gt; 1 always makes the token less likely), then OpenAI's {@code logit -=
   * frequency * count + presence * [count &gt; 0]} over generated tokens.
   */
  static void apply(double[] logits, SamplingParams params, TokenHistory history) {
    double repetition = params.repetitionPenalty();
    if (repetition != 1) {
      var seen = history.seen();
      for (int token = seen.nextSetBit(0);
          token >= 0 && token < logits.length;
          token = seen.nextSetBit(token + 1)) {
        double logit = logits[token];
        logits[token] = logit > 0 ? logit / repetition : logit * repetition;
      }
    }
    double presence = params.presencePenalty();
    double frequency = params.frequencyPenalty();
    if (presence != 0 || frequency != 0) {
      for (Map.Entry<Integer, Integer> e : history.generatedCounts().entrySet()) {
        int token = e.getKey();
        if (token < logits.length) {
          logits[token] -= frequency * e.getValue() + presence;
        }
      }
    }
  }
}
