package io.lckv.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

  private static float[] randomLogits(long seed, int vocab) {
    var random = new SplittableRandom(seed);
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (random.nextGaussian() * 2);
    }
    return logits;
  }

  private static int[] run(SamplingParams params, long seed, int tokens) {
    var sampler = new Sampler(params, new int[] {1, 2, 3}, seed);
    int[] out = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      out[i] = sampler.sample(randomLogits(i, 200)).tokenId();
    }
    return out;
  }

  @Test
  void greedyTakesTheMaximumAndTheLowestIdAmongEquals() {
    var sampler = new Sampler(SamplingParams.greedy(4), new int[0], 0);
    assertEquals(1, sampler.sample(new float[] {0, 5, 5, 1}).tokenId());
  }

  @Test
  void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
    var params = SamplingParams.builder().temperature(1.3).topP(0.95).topK(50).build();
    int[] first = run(params, 7, 40);
    assertEquals(Arrays.toString(first), Arrays.toString(run(params, 7, 40)));
    assertNotEquals(Arrays.toString(first), Arrays.toString(run(params, 8, 40)));
  }

  @Test
  void drawsFollowTheSoftmaxOfScaledLogits() {
    float[] logits = {0, (float) Math.log(3), Float.NEGATIVE_INFINITY};
    var sampler = new Sampler(SamplingParams.builder().build(), new int[0], 1);
    int[] counts = new int[3];
    int draws = 20_000;
    for (int i = 0; i < draws; i++) {
      counts[sampler.sample(logits).tokenId()]++;
    }
    assertEquals(0.25, counts[0] / (double) draws, 0.015);
    assertEquals(0, counts[2]);

    // temperature 0.5 squares the odds: 1 : 9
    var cold = new Sampler(SamplingParams.builder().temperature(0.5).build(), new int[0], 1);
    int zeros = 0;
    for (int i = 0; i < draws; i++) {
      zeros += cold.sample(logits).tokenId() == 0 ? 1 : 0;
    }
    assertEquals(0.1, zeros / (double) draws, 0.01);
  }

  @Test
  void aTinyTemperatureBehavesLikeGreedyWithoutOverflowing() {
    var sampler = new Sampler(SamplingParams.builder().temperature(1e-300).build(), new int[0], 3);
    for (int i = 0; i < 20; i++) {
      assertEquals(2, sampler.sample(new float[] {1, 2, 3e30f, 0}).tokenId());
    }
  }

  @Test
  void logprobsAreALogSoftmaxOfTheScaledPenalisedLogitsBeforeTruncation() {
    var params = SamplingParams.builder().temperature(0.5).topK(1).topLogprobs(2).build();
    var sampler = new Sampler(params, new int[0], 0);
    float[] logits = {1, 2, 0};
    TokenLogprobs lp = sampler.sample(logits).logprobs().orElseThrow();
    double[] scaled = {2, 4, 0};
    double lse = Math.log(Math.exp(2) + Math.exp(4) + Math.exp(0));
    assertEquals(4 - lse, lp.logprob(), 1e-12); // top_k=1 picks token 1
    assertEquals(List.of(1, 0), lp.top().stream().map(TopLogprob::tokenId).toList());
    assertEquals(4 - lse, lp.top().get(0).logprob(), 1e-12);
    assertEquals(scaled[0] - lse, lp.top().get(1).logprob(), 1e-12);
  }

  @Test
  void greedyLogprobsUseTemperatureOneAndZeroAlternativesMeansOnlyTheChosenToken() {
    var sampler =
        new Sampler(SamplingParams.builder().temperature(0).topLogprobs(0).build(), new int[0], 0);
    TokenLogprobs lp = sampler.sample(new float[] {0, 0}).logprobs().orElseThrow();
    assertEquals(Math.log(0.5), lp.logprob(), 1e-12);
    assertTrue(lp.top().isEmpty());
    var without = new Sampler(SamplingParams.greedy(1), new int[0], 0);
    assertTrue(without.sample(new float[] {0, 1}).logprobs().isEmpty());
  }

  @Test
  void penaltiesSeeTheTokensSampledSoFar() {
    var params = SamplingParams.builder().temperature(0).presencePenalty(2).maxTokens(3).build();
    var sampler = new Sampler(params, new int[0], 0);
    float[] logits = {1, 0};
    assertEquals(0, sampler.sample(logits).tokenId());
    assertEquals(1, sampler.sample(logits).tokenId()); // token 0 now stands at 1 - 2
  }

  @Test
  void brokenLogitsAreRejected() {
    var sampler = new Sampler(SamplingParams.builder().build(), new int[0], 0);
    assertThrows(IllegalArgumentException.class, () -> sampler.sample(new float[] {0, Float.NaN}));
    assertThrows(
        IllegalArgumentException.class,
        () -> sampler.sample(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}));
    assertThrows(
        IllegalArgumentException.class, () -> sampler.sample(new float[] {Float.POSITIVE_INFINITY}));
  }
}
