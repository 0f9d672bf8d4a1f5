package io.lckv.converter.model;

import java.util.Arrays;
import java.util.Optional;

/** What a checkpoint tensor name stands for, judged by its form alone. */
sealed interface WeightName {

  record Model(ModelWeight weight) implements WeightName {}

  record InLayer(int layer, LayerWeight weight) implements WeightName {}

  /**
   * Older Hugging Face Llama checkpoints persisted the RoPE frequencies as a buffer. They follow
   * from rope_theta and rope_scaling, which the converter reads instead, so they are skipped.
   */
  record RotaryFrequencies(int layer) implements WeightName {}

  static Optional<WeightName> parse(String name) {
    for (ModelWeight w : ModelWeight.values()) {
      if (w.tensorName.equals(name)) {
        return Optional.of(new Model(w));
      }
    }
    if (!name.startsWith(LayerWeight.PREFIX)) {
      return Optional.empty();
    }
    String rest = name.substring(LayerWeight.PREFIX.length());
    int dot = rest.indexOf('.');
    String digits = dot < 1 ? "" : rest.substring(0, dot);
    if (digits.isEmpty() || digits.length() > 4
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    int layer = Integer.parseInt(digits);
    if (!digits.equals(Integer.toString(layer))) {
      return Optional.empty(); // "01" is not how torch names layer 1
    }
    String suffix = rest.substring(dot + 1);
    if (suffix.equals("self_attn.rotary_emb.inv_freq")) {
      return Optional.of(new RotaryFrequencies(layer));
    }
    return Arrays.stream(LayerWeight.values())
        .filter(w -> w.suffix.equals(suffix))
        .findFirst()
        .map(w -> new InLayer(layer, w));
  }
}
