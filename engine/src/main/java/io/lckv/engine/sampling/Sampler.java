package io.lckv.engine.sampling;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Picks one request's tokens. Each request owns its sampler and its random generator, and every
 * non-greedy token takes exactly one draw from it, so the same seed and parameters give the same
 * tokens from the same logits whatever else shares the batch.
 *
 * <p>Per token: the logits are copied to double; penalties apply (see {@link SamplingParams});
 * greedy takes the most likely token (the lowest id among equals); otherwise the logits are
 * divided by the temperature, top-k, top-p and min-p cut the candidates (see {@link Candidates}),
 * and one uniform draw picks among them in proportion to their probability.
 *
 * <p>Log-probabilities are a log-softmax in double over the <em>penalised, temperature-scaled</em>
 * logits (temperature 1 for greedy), taken before top-k/top-p/min-p: truncation would give most
 * tokens minus infinity, and alternatives the filters removed are still worth reporting.
 */
public final class Sampler {

  private final SamplingParams params;
  private final TokenHistory history;
  private final SplittableRandom random;

  /** {@code seed} is the request's seed, or one the engine chose when the request had none. */
  public Sampler(SamplingParams params, int[] promptTokens, long seed) {
    this.params = params;
    this.history = new TokenHistory(promptTokens);
    this.random = new SplittableRandom(seed);
  }

  /**
   * Samples the next token from the last position's logits and records it for the penalties.
   *
   * @throws IllegalArgumentException when a logit is NaN or +infinity, or none is finite
   */
  public SampledToken sample(float[] logits) {
    double[] x = penalisedAndScaled(logits);
    double max = max(x);
    boolean logprobs = params.topLogprobs().isPresent();
    if (params.isGreedy() && !logprobs) {
      return recorded(argmax(x), Optional.empty());
    }
    // One exp pass serves the top-p target, the draw and the log-softmax normaliser.
    double[] weights = new double[x.length];
    double total = 0;
    for (int i = 0; i < x.length; i++) {
      weights[i] = Math.exp(x[i] - max);
      total += weights[i];
    }
    int token =
        params.isGreedy() ? argmax(x) : draw(weights, Candidates.of(x, max, weights, total, params));
    return recorded(
        token,
        logprobs
            ? Optional.of(LogSoftmax.of(x, max, total, token, params.topLogprobs().getAsInt()))
            : Optional.empty());
  }

  private SampledToken recorded(int token, Optional<TokenLogprobs> logprobs) {
    history.addGenerated(token);
    return new SampledToken(token, logprobs);
  }

  private double[] penalisedAndScaled(float[] logits) {
    double[] x = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      if (Float.isNaN(logits[i]) || logits[i] == Float.POSITIVE_INFINITY) {
        throw new IllegalArgumentException("logit of token " + i + " is " + logits[i]);
      }
      x[i] = logits[i];
    }
    Penalties.apply(x, params, history);
    if (!params.isGreedy()) {
      // Shifting by the maximum first keeps tiny temperatures from overflowing; softmax and
      // log-softmax do not change under a shift.
      double max = max(x);
      for (int i = 0; i < x.length; i++) {
        x[i] = (x[i] - max) / params.temperature();
      }
    }
    return x;
  }

  private int draw(double[] weights, int[] candidates) {
    double total = 0;
    for (int id : candidates) {
      total += weights[id];
    }
    double target = random.nextDouble() * total;
    double cumulative = 0;
    for (int id : candidates) {
      cumulative += weights[id];
      if (cumulative > target) {
        return id;
      }
    }
    // Only rounding can leave the walk short of the target; the last candidate is then right.
    return candidates[candidates.length - 1];
  }

  private static double max(double[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    if (!Double.isFinite(max)) {
      // -inf: the model ruled out every token; +inf: a penalty overflowed.
      throw new IllegalArgumentException("the largest logit is " + max);
    }
    return max;
  }

  private static int argmax(double[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }
}
