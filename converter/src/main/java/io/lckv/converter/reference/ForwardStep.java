package io.lckv.converter.reference;

import java.util.HashMap;
import java.util.Map;

/**
 * What the layers of one call share: the cache as it was before the call, the KV of the new
 * positions (working or final) and the rotations of those positions.
 */
final class ForwardStep {

  private final KvCache cache;
  private final int committed;
  private final RotaryEmbedding.Rotation[] rotations;
  private final Map<Integer, WorkingKv> newKv = new HashMap<>();

  ForwardStep(KvCache cache, int newTokens, RotaryEmbedding rope) {
    this.cache = cache;
    this.committed = cache.length();
    this.rotations = new RotaryEmbedding.Rotation[newTokens];
    for (int t = 0; t < newTokens; t++) {
      rotations[t] = rope.at(committed + t);
    }
  }

  int newTokens() {
    return rotations.length;
  }

  /** Index in the cache, the position RoPE and the masks use, of new token {@code t}. */
  int position(int t) {
    return committed + t;
  }

  double[][] rotated(double[][] vectors) {
    double[][] out = new double[vectors.length][];
    for (int t = 0; t < vectors.length; t++) {
      out[t] = rotations[t].applied(vectors[t]);
    }
    return out;
  }

  /** Later readers of {@code kvLayer} in this call see {@code kv} for the new positions. */
  void setNewKv(int kvLayer, WorkingKv kv) {
    newKv.put(kvLayer, kv);
  }

  Map<Integer, WorkingKv> newKv() {
    return newKv;
  }

  double[] key(int kvLayer, int position) {
    return position < committed
        ? cache.layer(kvLayer).key(position)
        : newKv.get(kvLayer).key(position - committed);
  }

  double[] value(int kvLayer, int position) {
    return position < committed
        ? cache.layer(kvLayer).value(position)
        : newKv.get(kvLayer).value(position - committed);
  }
}
