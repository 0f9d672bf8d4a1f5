package io.lckv.converter.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The split of the layers into groups that spec §4 runs in order: a maximal run of layers that
 * read no higher layer runs once; a layer that reads a higher layer opens a cyclic group whose
 * upper edge grows until every layer its members read lies inside it.
 */
public record IterationPlan(List<LayerGroup> groups) {

  public IterationPlan {
    groups = List.copyOf(groups);
  }

  static IterationPlan of(List<Layer> layers) {
    var groups = new ArrayList<LayerGroup>();
    int first = 0;
    while (first < layers.size()) {
      int last = layers.get(first).top() ? cyclicEdge(layers, first) : onceEdge(layers, first);
      if (layers.get(first).top()) {
        var kvLayers = layers.subList(first, last + 1).stream()
            .filter(Layer::kvLayer)
            .map(Layer::index)
            .toList();
        groups.add(new LayerGroup.Cyclic(first, last, kvLayers));
      } else {
        groups.add(new LayerGroup.Once(first, last));
      }
      first = last + 1;
    }
    return new IterationPlan(groups);
  }

  /** The group containing {@code layer}. */
  public LayerGroup groupOf(int layer) {
    return groups.stream()
        .filter(g -> g.contains(layer))
        .findFirst()
        .orElseThrow(() -> new IndexOutOfBoundsException("no layer " + layer));
  }

  private static int onceEdge(List<Layer> layers, int first) {
    int last = first;
    while (last + 1 < layers.size() && !layers.get(last + 1).top()) {
      last++;
    }
    return last;
  }

  /** Grows until stable, so chains such as 1_2_3_3 (edge 1, then 2, then 3) close. */
  private static int cyclicEdge(List<Layer> layers, int first) {
    int edge = first;
    int reach = layers.get(first).source();
    while (reach > edge) {
      edge = reach;
      for (int i = first; i <= edge; i++) {
        reach = Math.max(reach, layers.get(i).source());
      }
    }
    return edge;
  }
}
