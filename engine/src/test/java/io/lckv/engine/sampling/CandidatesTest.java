package io.lckv.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CandidatesTest {

  private static int[] candidates(double[] logits, SamplingParams params) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double[] weights = new double[logits.length];
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      weights[i] = Math.exp(logits[i] - max);
      total += weights[i];
    }
    return Candidates.of(logits, max, weights, total, params);
  }

  private static double[] logitsOf(double... probabilities) {
    double[] logits = new double[probabilities.length];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = Math.log(probabilities[i]);
    }
    return logits;
  }

  @Test
  void topKKeepsTheKMostLikelyAndEqualLogitsGoByLowerId() {
    double[] logits = {1, 3, 2, 3, 0};
    assertArrayEquals(
        new int[] {1, 3}, candidates(logits, SamplingParams.builder().topK(2).build()));
  }

  @Test
  void topPKeepsTheShortestPrefixReachingIt() {
    double[] logits = logitsOf(0.1, 0.5, 0.3, 0.1);
    assertArrayEquals(
        new int[] {1, 2}, candidates(logits, SamplingParams.builder().topP(0.75).build()));
    assertArrayEquals(
        new int[] {1, 2, 0}, candidates(logits, SamplingParams.builder().topP(0.85).build()));
  }

  @Test
  void topPAfterTopKRenormalisesOverTheTopKSet() {
    double[] logits = logitsOf(0.4, 0.3, 0.2, 0.1);
    // over all tokens 0.4 + 0.3 = 0.7 < 0.75, but over the top 2 it is 1.0 and 0.4/0.7 < 0.75
    var params = SamplingParams.builder().topK(2).topP(0.75).build();
    assertArrayEquals(new int[] {0, 1}, candidates(logits, params));
    assertArrayEquals(new int[] {0}, candidates(logits, SamplingParams.builder().topK(2).topP(0.5).build()));
  }

  @Test
  void minPDropsTokensFarBelowTheMostLikely() {
    double[] logits = logitsOf(0.5, 0.3, 0.04, 0.16);
    // threshold 0.1 * 0.5 = 0.05; without an order the walk goes by id
    assertArrayEquals(
        new int[] {0, 1, 3}, candidates(logits, SamplingParams.builder().minP(0.1).build()));
  }

  @Test
  void tokensTheModelRuledOutAreNeverCandidates() {
    double[] logits = {0, Double.NEGATIVE_INFINITY, 1};
    assertArrayEquals(new int[] {0, 2}, candidates(logits, SamplingParams.builder().build()));
    assertArrayEquals(
        new int[] {2, 0}, candidates(logits, SamplingParams.builder().topK(2).build()));
  }

  @Test
  void matchesANaiveFullSortOnRandomLogitsAndParameters() {
    var random = new SplittableRandom(42);
    for (int run = 0; run < 3_000; run++) {
      int vocab = 1 + random.nextInt(300);
      double[] logits = new double[vocab];
      double scale = random.nextDouble() * 60;
      for (int i = 0; i < vocab; i++) {
        // coarse values produce ties; a few tokens are ruled out
        logits[i] =
            random.nextInt(20) == 0
                ? Double.NEGATIVE_INFINITY
                : Math.round(random.nextGaussian() * scale * 4) / 4.0;
      }
      logits[random.nextInt(vocab)] = scale; // at least one finite logit
      var params =
          SamplingParams.builder()
              .topK(random.nextBoolean() ? 0 : 1 + random.nextInt(vocab + 5))
              .topP(random.nextBoolean() ? 1 : 0.01 + random.nextDouble() * 0.99)
              .minP(random.nextBoolean() ? 0 : random.nextDouble() * 0.5)
              .build();
      int[] expected = naive(logits, params);
      int[] actual = candidates(logits, params);
      boolean ordered = params.topK() > 0 && params.topK() < vocab || params.topP() < 1;
      if (!ordered) {
        java.util.Arrays.sort(expected);
      }
      assertArrayEquals(expected, actual, "run " + run);
    }
  }

  /** Spec of the filters written the slow, obvious way. */
  private static int[] naive(double[] logits, SamplingParams params) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < logits.length; i++) {
      order.add(i);
    }
    order.sort(
        Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparing(Comparator.naturalOrder()));
    double max = logits[order.getFirst()];
    if (params.topK() > 0 && params.topK() < order.size()) {
      order = new ArrayList<>(order.subList(0, params.topK()));
    }
    if (params.topP() < 1) {
      double total = 0;
      for (int id : order) {
        total += Math.exp(logits[id] - max);
      }
      double cumulative = 0;
      for (int i = 0; i < order.size(); i++) {
        cumulative += Math.exp(logits[order.get(i)] - max);
        if (cumulative >= params.topP() * total) {
          order = new ArrayList<>(order.subList(0, i + 1));
          break;
        }
      }
    }
    double floor = params.minP() > 0 ? max + Math.log(params.minP()) : Double.NEGATIVE_INFINITY;
    order.removeIf(id -> logits[id] < floor || logits[id] == Double.NEGATIVE_INFINITY);
    return order.stream().mapToInt(Integer::intValue).toArray();
  }
}
