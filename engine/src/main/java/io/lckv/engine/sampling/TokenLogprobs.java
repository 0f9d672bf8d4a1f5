package io.lckv.engine.sampling;

import java.util.List;

/**
 * Log-probabilities of a sampled token and of the most likely alternatives (most likely first,
 * equal ones by id), under the distribution {@link Sampler} documents. A token the model ruled out
 * has {@link Double#NEGATIVE_INFINITY}; JSON cannot carry that, so a server must map it.
 */
public record TokenLogprobs(double logprob, List<TopLogprob> top) {

  public TokenLogprobs {
    top = List.copyOf(top);
  }
}
