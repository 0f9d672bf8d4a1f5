package io.lckv.converter.reference;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The committed KV of one sequence, per KV layer, all of the same length (spec §4, §5). */
final class KvCache {

  private final Map<Integer, LayerKv> layers = new TreeMap<>();
  private final Optional<StreamingLlm> streaming;
  private final RotaryEmbedding rope;
  private int length;

  KvCache(List<Integer> kvLayers, Optional<StreamingLlm> streaming, RotaryEmbedding rope) {
    kvLayers.forEach(t -> layers.put(t, new LayerKv()));
    this.streaming = streaming;
    this.rope = rope;
  }

  int length() {
    return length;
  }

  LayerKv layer(int kvLayer) {
    return layers.get(kvLayer);
  }

  /** Refuses a span that cannot fit, before anything changes. */
  private void checkRoom(int newTokens) {
    streaming.filter(s -> overflows(s, newTokens) && newTokens > s.maxNewTokens())
        .ifPresent(s -> {
          throw new IllegalArgumentException(
              newTokens + " new tokens do not fit a StreamingLLM window of " + s.window()
                  + " entries with " + s.sinks() + " sinks: at most " + s.maxNewTokens()
                  + " can be added to a full cache in one call");
        });
  }

  /** StreamingLLM: evicts so that {@code newTokens} more entries fit the window. */
  void makeRoom(int newTokens) {
    checkRoom(newTokens);
    streaming.filter(s -> overflows(s, newTokens)).ifPresent(s -> {
      int recent = s.window() - s.sinks() - newTokens;
      layers.values().forEach(kv -> kv.keep(s.sinks(), recent, rope));
      length = s.sinks() + recent;
    });
  }

  void commit(Map<Integer, WorkingKv> newKv, int newTokens) {
    newKv.forEach((t, kv) -> layers.get(t).append(kv));
    length += newTokens;
  }

  private boolean overflows(StreamingLlm s, int newTokens) {
    return length + newTokens > s.window();
  }
}
