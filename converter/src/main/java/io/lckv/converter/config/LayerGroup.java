package io.lckv.converter.config;

import java.util.List;

/** A contiguous run of layers {@code first..last} (inclusive) in the iteration plan. */
public sealed interface LayerGroup {

  int first();

  int last();

  default boolean contains(int layer) {
    return layer >= first() && layer <= last();
  }

  /** Layers that read no higher layer: one pass, as a plain Llama would. */
  record Once(int first, int last) implements LayerGroup {}

  /**
   * Layers with a dependency on higher layers, run in several passes over the same input.
   *
   * @param kvLayers T: the KV layers inside the group, ascending, whose working KV starts at
   *     zero and is carried from pass to pass
   */
  record Cyclic(int first, int last, List<Integer> kvLayers) implements LayerGroup {
    public Cyclic {
      kvLayers = List.copyOf(kvLayers);
    }
  }
}
