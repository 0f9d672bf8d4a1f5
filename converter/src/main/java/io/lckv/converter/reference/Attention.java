package io.lckv.converter.reference;

import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.Layer;
import java.util.stream.IntStream;

/**
 * Softmax attention of one layer's queries over the keys of its source layer (spec §3): causal,
 * without the own position when nodiag, within the layer's window, grouped-query.
 */
final class Attention {

  /** Below this many multiply-adds the fork/join overhead outweighs the parallel speed-up. */
  private static final long PARALLEL_WORK = 1 << 17;

  private final Dimensions dims;
  private final double scale;

  Attention(Dimensions dims) {
    this.dims = dims;
    this.scale = Math.pow(dims.headDim(), -0.5);
  }

  /** One output row of {@code heads * head_dim} per query row, heads back to back. */
  double[][] attend(double[][] queries, Layer layer, ForwardStep step) {
    int n = queries.length;
    double[][] out = new double[n][dims.numHeads() * dims.headDim()];
    IntStream rows = IntStream.range(0, n * dims.numHeads());
    long work = (long) n * dims.numHeads() * (step.position(n - 1) + 1) * dims.headDim();
    if (work >= PARALLEL_WORK) {
      rows = rows.parallel();
    }
    rows.forEach(r -> attendHead(queries, layer, step, r / dims.numHeads(), r % dims.numHeads(),
        out));
    return out;
  }

  private void attendHead(
      double[][] queries, Layer layer, ForwardStep step, int t, int head, double[][] out) {
    int p = step.position(t);
    int last = layer.nodiag() ? p - 1 : p;
    int first = layer.window().isPresent() ? Math.max(0, p - layer.window().getAsInt() + 1) : 0;
    if (last < first) {
      return; // no key to attend to: the row stays exactly zero
    }
    int headDim = dims.headDim();
    int queryOffset = head * headDim;
    int kvOffset = head / dims.queriesPerKvHead() * headDim;
    double[] query = queries[t];

    double[] scores = new double[last - first + 1];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = first; j <= last; j++) {
      double[] key = step.key(layer.source(), j);
      double dot = 0;
      for (int d = 0; d < headDim; d++) {
        dot += query[queryOffset + d] * key[kvOffset + d];
      }
      scores[j - first] = dot * scale;
      max = Math.max(max, scores[j - first]);
    }
    double sum = 0;
    for (int j = 0; j < scores.length; j++) {
      scores[j] = Math.exp(scores[j] - max);
      sum += scores[j];
    }
    double[] row = out[t];
    for (int j = first; j <= last; j++) {
      double weight = scores[j - first] / sum;
      double[] value = step.value(layer.source(), j);
      for (int d = 0; d < headDim; d++) {
        row[queryOffset + d] += weight * value[kvOffset + d];
      }
    }
  }
}
