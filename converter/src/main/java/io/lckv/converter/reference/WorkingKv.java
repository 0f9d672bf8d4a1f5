package io.lckv.converter.reference;

/**
 * A KV layer's keys and values for the new positions of one call: computed by the layer, or the
 * zero vectors a cyclic group starts from (spec §4), which take part in the softmax like any key.
 *
 * @param projectedKeys before RoPE, kept for re-rotation after a StreamingLLM eviction
 * @param keys rotated at their positions
 */
record WorkingKv(double[][] projectedKeys, double[][] keys, double[][] values) {

  static WorkingKv zeros(int newTokens, int width) {
    return new WorkingKv(
        new double[newTokens][width], new double[newTokens][width], new double[newTokens][width]);
  }

  int size() {
    return keys.length;
  }

  double[] projectedKey(int t) {
    return projectedKeys[t];
  }

  double[] key(int t) {
    return keys[t];
  }

  double[] value(int t) {
    return values[t];
  }
}
