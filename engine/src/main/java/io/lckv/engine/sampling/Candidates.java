package io.lckv.engine.sampling;

import java.util.Arrays;

/**
 * The tokens a draw may land on after top-k, then top-p (over the top-k set, renormalised), then
 * min-p (relative to the most likely token, which renormalising does not change). All three keep
 * a prefix of {@link DescendingOrder}, so the result is a prefix too, walked in that order; with
 * neither of the first two active no order is needed and tokens are walked by id.
 */
final class Candidates {

  /** Tries narrow logit ranges first: sorting 30 tokens instead of 32,000 is most of top-p's cost. */
  private static final double[] TOP_P_WINDOWS = {8, 16, 32, 64};

  private Candidates() {}

  /**
   * @param logits penalised and temperature-scaled
   * @param max their maximum
   * @param weights {@code exp(logit - max)} of every token
   * @param total the sum of {@code weights}
   */
  static int[] of(
      double[] logits, double max, double[] weights, double total, SamplingParams params) {
    boolean topK = params.topK() > 0 && params.topK() < logits.length;
    boolean topP = params.topP() < 1;
    double floor = params.minP() > 0 ? max + Math.log(params.minP()) : Double.NEGATIVE_INFINITY;
    if (!topK && !topP) {
      return finiteAtLeast(logits, floor);
    }
    int[] order;
    if (topK) {
      order = DescendingOrder.top(logits, params.topK());
      if (topP) {
        order = prefixReaching(order, weights, params.topP() * mass(order, weights));
      }
    } else {
      order = topPOfAll(logits, max, weights, params.topP() * total);
    }
    // The most likely token always passes: max is finite and floor <= max.
    int keep = 0;
    while (keep < order.length
        && logits[order[keep]] >= floor
        && logits[order[keep]] != Double.NEGATIVE_INFINITY) {
      keep++;
    }
    return Arrays.copyOf(order, keep);
  }

  /**
   * The shortest prefix of the full order holding {@code target} probability mass. A prefix of the
   * tokens within some distance of the maximum is a prefix of the full order, so when it already
   * holds enough mass the rest never needs sorting.
   */
  private static int[] topPOfAll(double[] logits, double max, double[] weights, double target) {
    for (double window : TOP_P_WINDOWS) {
      int[] near = DescendingOrder.atLeast(logits, max - window);
      if (mass(near, weights) >= target) {
        return prefixReaching(near, weights, target);
      }
    }
    return prefixReaching(
        DescendingOrder.atLeast(logits, Double.NEGATIVE_INFINITY), weights, target);
  }

  private static int[] prefixReaching(int[] order, double[] weights, double target) {
    double cumulative = 0;
    for (int i = 0; i < order.length; i++) {
      cumulative += weights[order[i]];
      if (cumulative >= target) {
        return Arrays.copyOf(order, i + 1);
      }
    }
    return order;
  }

  private static double mass(int[] ids, double[] weights) {
    double sum = 0;
    for (int id : ids) {
      sum += weights[id];
    }
    return sum;
  }

  private static int[] finiteAtLeast(double[] logits, double floor) {
    int[] ids = new int[logits.length];
    int count = 0;
    for (int i = 0; i < logits.length; i++) {
      if (logits[i] >= floor && logits[i] != Double.NEGATIVE_INFINITY) {
        ids[count++] = i;
      }
    }
    return Arrays.copyOf(ids, count);
  }
}
