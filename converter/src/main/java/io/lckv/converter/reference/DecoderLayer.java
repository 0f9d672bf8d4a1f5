package io.lckv.converter.reference;

import io.lckv.converter.config.Layer;
import java.util.Optional;

/** One pre-norm block of spec §3 applied to the hidden states of the new positions. */
final class DecoderLayer {

  /** The k and v projections of a KV layer. */
  record KvWeights(WeightMatrix kProj, WeightMatrix vProj) {}

  private final Layer layer;
  private final RmsNorm inputNorm;
  private final WeightMatrix qProj;
  private final Optional<KvWeights> kv;
  private final WeightMatrix oProj;
  private final RmsNorm postAttentionNorm;
  private final WeightMatrix gateProj;
  private final WeightMatrix upProj;
  private final WeightMatrix downProj;
  private final Attention attention;

  DecoderLayer(
      Layer layer,
      RmsNorm inputNorm,
      WeightMatrix qProj,
      Optional<KvWeights> kv,
      WeightMatrix oProj,
      RmsNorm postAttentionNorm,
      WeightMatrix gateProj,
      WeightMatrix upProj,
      WeightMatrix downProj,
      Attention attention) {
    this.layer = layer;
    this.inputNorm = inputNorm;
    this.qProj = qProj;
    this.kv = kv;
    this.oProj = oProj;
    this.postAttentionNorm = postAttentionNorm;
    this.gateProj = gateProj;
    this.upProj = upProj;
    this.downProj = downProj;
    this.attention = attention;
  }

  /**
   * Returns the new hidden states; a KV layer also publishes its KV to {@code step}, before its
   * own attention, so that it reads itself (or later layers read it) from this pass.
   */
  double[][] forward(double[][] h, ForwardStep step) {
    double[][] x = inputNorm.apply(h);
    kv.ifPresent(w -> {
      double[][] projectedKeys = w.kProj().times(x);
      step.setNewKv(layer.index(),
          new WorkingKv(projectedKeys, step.rotated(projectedKeys), w.vProj().times(x)));
    });
    double[][] queries = step.rotated(qProj.times(x));
    double[][] attended = attention.attend(queries, layer, step);
    double[][] afterAttention = sum(h, oProj.times(attended));

    double[][] y = postAttentionNorm.apply(afterAttention);
    double[][] gate = gateProj.times(y);
    double[][] up = upProj.times(y);
    for (int t = 0; t < gate.length; t++) {
      for (int k = 0; k < gate[t].length; k++) {
        gate[t][k] = silu(gate[t][k]) * up[t][k];
      }
    }
    return sum(afterAttention, downProj.times(gate));
  }

  private static double silu(double x) {
    return x / (1 + Math.exp(-x));
  }

  private static double[][] sum(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int k = 0; k < a[t].length; k++) {
        out[t][k] = a[t][k] + b[t][k];
      }
    }
    return out;
  }
}
