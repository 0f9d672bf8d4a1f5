package io.lckv.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/** Log-probabilities of a logits row, computed in double. */
final class LogSoftmax {

  private LogSoftmax() {}

  /** {@code total} is the sum of {@code exp(logit - max)} over the row. */
  static TokenLogprobs of(double[] logits, double max, double total, int chosen, int topN) {
    double logNormaliser = max + Math.log(total);
    List<TopLogprob> top = new ArrayList<>(topN);
    if (topN > 0) {
      for (int id : DescendingOrder.top(logits, topN)) {
        top.add(new TopLogprob(id, logits[id] - logNormaliser));
      }
    }
    return new TokenLogprobs(logits[chosen] - logNormaliser, top);
  }
}
