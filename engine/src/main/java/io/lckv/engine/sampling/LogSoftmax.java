package io.lckv.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/** Log-probabilities of a logits row, computed in double. */
final class LogSoftmax {

  private LogSoftmax() {}

  static TokenLogprobs of(double[] logits, double max, int chosen, int topN) {
    double sum = 0;
    for (double logit : logits) {
      sum += Math.exp(logit - max);
    }
    double logNormaliser = max + Math.log(sum);
    List<TopLogprob> top = new ArrayList<>(topN);
    if (topN > 0) {
      for (int id : DescendingOrder.top(logits, topN)) {
        top.add(new TopLogprob(id, logits[id] - logNormaliser));
      }
    }
    return new TokenLogprobs(logits[chosen] - logNormaliser, top);
  }
}
