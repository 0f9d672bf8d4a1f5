package io.lckv.converter.config;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * Everything derived from {@code layer_types}: per-layer wiring, the KV layers and the iteration
 * plan. Shared by the graph builder and the plain-Java reference evaluator so both read the same
 * semantics.
 *
 * @param kvLayers the indices that appear in {@code layer_types}, ascending
 */
public record LayerLayout(List<Layer> layers, List<Integer> kvLayers, IterationPlan plan) {

  public LayerLayout {
    layers = List.copyOf(layers);
    kvLayers = List.copyOf(kvLayers);
  }

  /**
   * @param slidingWindow W for layers whose token has {@code s}; empty means no window at all
   */
  public static LayerLayout of(
      List<LayerType> types, boolean forceNodiag, OptionalInt slidingWindow) {
    var kv = new TreeSet<Integer>();
    types.forEach(t -> kv.add(t.source()));
    var layers = new ArrayList<Layer>(types.size());
    for (int i = 0; i < types.size(); i++) {
      LayerType type = types.get(i);
      if (type.source() >= types.size()) {
        throw new IllegalArgumentException("layer " + i + " reads missing layer " + type.source());
      }
      boolean top = type.source() > i;
      layers.add(new Layer(
          i,
          type.source(),
          kv.contains(i),
          forceNodiag || top,
          type.windowed() ? slidingWindow : OptionalInt.empty()));
    }
    return new LayerLayout(layers, List.copyOf(kv), IterationPlan.of(layers));
  }

  public Layer layer(int index) {
    return layers.get(index);
  }

  public boolean isKvLayer(int index) {
    return layers.get(index).kvLayer();
  }

  /** The layers that read KV layer {@code kvLayer}, ascending. */
  public List<Layer> readers(int kvLayer) {
    return layers.stream().filter(l -> l.source() == kvLayer).toList();
  }

  /**
   * How many most recent positions KV layer {@code kvLayer}'s cache must keep: the widest window
   * among its readers, or empty (keep everything) when any reader is unwindowed.
   */
  public OptionalInt cacheWindow(int kvLayer) {
    int widest = 0;
    for (Layer reader : readers(kvLayer)) {
      if (reader.window().isEmpty()) {
        return OptionalInt.empty();
      }
      widest = Math.max(widest, reader.window().getAsInt());
    }
    if (widest == 0) {
      throw new IllegalArgumentException("layer " + kvLayer + " is not a KV layer");
    }
    return OptionalInt.of(widest);
  }
}
