package io.lckv.converter.config;

import io.lckv.converter.CheckpointException;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a legacy {@code opt-llama} config (the paper's first code) to the current form, spec §6:
 * codes 0 (standard), 1 (reads the target layer), 2 (the target layer itself);
 * {@code num_encoders}/{@code num_trained_encoders} become the pass counts and every layer hides
 * the diagonal. The deprecated {@code num_warmup_layers} and {@code train_last_encoder} do not
 * change the mapping, so they are accepted and not read.
 */
final class OptLlamaMapping {

  private static final String FIELD = "layer_types";
  private static final int MAX_ENCODERS = 1024;

  record Mapped(List<LayerType> layerTypes, PassSchedule passes) {}

  private OptLlamaMapping() {}

  static Mapped map(JsonFields config, int numLayers, boolean useSequential) {
    int target = Math.floorMod(
        config.optionalInt("target_layer", -1, Integer.MIN_VALUE, Integer.MAX_VALUE), numLayers);
    List<LayerType> types = mapCodes(config, config.requiredString(FIELD), numLayers, target);

    int encoders = config.optionalInt("num_encoders", 8, 1, MAX_ENCODERS);
    int trained = config.optionalInt("num_trained_encoders", 1, 0, MAX_ENCODERS);
    if (trained > encoders) {
      throw config.error(
          "num_trained_encoders",
          "(" + trained + ") must not exceed num_encoders (" + encoders + ")");
    }
    return new Mapped(types, new PassSchedule(encoders - trained, trained + 1, useSequential));
  }

  private static List<LayerType> mapCodes(
      JsonFields config, String text, int numLayers, int target) {
    String[] codes = text.split("_", -1);
    if (codes.length != numLayers) {
      throw config.error(
          FIELD,
          "has " + codes.length + " codes but num_hidden_layers is " + numLayers + ": "
              + CheckpointException.quote(text));
    }
    var types = new ArrayList<LayerType>(numLayers);
    boolean hasTarget = false;
    for (int i = 0; i < numLayers; i++) {
      switch (codes[i]) {
        case "0" -> types.add(new LayerType(i, false));
        case "1" -> types.add(new LayerType(target, false));
        case "2" -> {
          if (i != target) {
            throw config.error(
                FIELD,
                "marks layer " + i + " as the target (code 2) but target_layer is " + target
                    + " (opt-llama)");
          }
          hasTarget = true;
          types.add(new LayerType(target, false));
        }
        default -> throw config.error(
            FIELD,
            "code " + i + " " + CheckpointException.quote(codes[i])
                + " is not 0, 1 or 2 (opt-llama)");
      }
    }
    // A second code 2 cannot reach here: only the target layer may carry it.
    if (!hasTarget) {
      throw config.error(
          FIELD, "marks no layer with code 2 but exactly one, the target layer " + target
              + ", must have it (opt-llama)");
    }
    return List.copyOf(types);
  }
}
