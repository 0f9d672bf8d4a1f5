package io.lckv.converter.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * The committed keys and values of one KV layer, one {@code kv_heads * head_dim} vector per
 * cache entry. Keys are kept both as projected and as rotated at their current index: eviction
 * moves entries to new indices, and rotating the projected key again at its new index gives the
 * same numbers as rotating it there in the first place, which re-rotating a rotated key would not.
 */
final class LayerKv {

  private final List<double[]> projectedKeys = new ArrayList<>();
  private final List<double[]> keys = new ArrayList<>();
  private final List<double[]> values = new ArrayList<>();

  double[] key(int index) {
    return keys.get(index);
  }

  double[] value(int index) {
    return values.get(index);
  }

  void append(WorkingKv kv) {
    for (int t = 0; t < kv.size(); t++) {
      projectedKeys.add(kv.projectedKey(t));
      keys.add(kv.key(t));
      values.add(kv.value(t));
    }
  }

  /** Keeps the first {@code sinks} and the last {@code recent} entries, re-rotated in place. */
  void keep(int sinks, int recent, RotaryEmbedding rope) {
    int dropped = keys.size() - sinks - recent;
    projectedKeys.subList(sinks, sinks + dropped).clear();
    keys.subList(sinks, sinks + dropped).clear();
    values.subList(sinks, sinks + dropped).clear();
    for (int index = sinks; index < keys.size(); index++) {
      keys.set(index, rope.at(index).applied(projectedKeys.get(index)));
    }
  }
}
