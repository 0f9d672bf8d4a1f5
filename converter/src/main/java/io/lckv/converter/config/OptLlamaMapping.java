package io.lckv.converter.config;

import io.lckv.converter.CheckpointException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps a legacy {@code opt-llama} config (the paper's first code) to the current form, spec §6:
 * codes 0 (standard), 1 (reads the target layer), 2 (the target layer itself);
 * {@code num_encoders}/{@code num_trained_encoders} become the pass counts and every layer hides
 * the diagonal. The deprecated fields are read as the original code did, and as the PyTorch
 * reference does: {@code num_warmup_layers} w replaces {@code layer_types} and {@code
 * target_layer} (w standard layers, then layers reading the last, which is the target), and
 * {@code train_last_encoder} ("none", "encoder" or a count) replaces {@code num_trained_encoders}.
 */
final class OptLlamaMapping {

  private static final String FIELD = "layer_types";
  private static final String WARMUP = "num_warmup_layers";
  private static final String TRAIN_LAST = "train_last_encoder";
  private static final int MAX_ENCODERS = 1024;

  record Mapped(List<LayerType> layerTypes, PassSchedule passes) {}

  private OptLlamaMapping() {}

  static Mapped map(JsonFields config, int numLayers, boolean useSequential) {
    List<LayerType> types;
    if (config.isSet(WARMUP)) {
      int warmup = config.requiredInt(WARMUP, 0, numLayers - 1);
      var codes = new ArrayList<String>();
      for (int i = 0; i < numLayers; i++) {
        codes.add(i < warmup ? "0" : i < numLayers - 1 ? "1" : "2");
      }
      types = mapCodes(config, String.join("_", codes), numLayers, numLayers - 1);
    } else {
      int target = Math.floorMod(
          config.optionalInt("target_layer", -1, Integer.MIN_VALUE, Integer.MAX_VALUE),
          numLayers);
      types = mapCodes(config, config.requiredString(FIELD), numLayers, target);
    }

    int encoders = config.optionalInt("num_encoders", 8, 1, MAX_ENCODERS);
    int trained = config.isSet(TRAIN_LAST)
        ? trainLastEncoder(config)
        : config.optionalInt("num_trained_encoders", 1, 0, MAX_ENCODERS);
    if (trained > encoders) {
      throw config.error(
          "num_trained_encoders",
          "(" + trained + ") must not exceed num_encoders (" + encoders + ")");
    }
    return new Mapped(types, new PassSchedule(encoders - trained, trained + 1, useSequential));
  }

  /** "none" trains no encoder pass, "encoder" one, a number (or numeric string) that many. */
  private static int trainLastEncoder(JsonFields config) {
    Optional<String> text = config.isText(TRAIN_LAST)
        ? config.optionalString(TRAIN_LAST) : Optional.empty();
    if (text.isEmpty()) {
      return config.requiredInt(TRAIN_LAST, 0, MAX_ENCODERS);
    }
    return switch (text.get()) {
      case "none" -> 0;
      case "encoder" -> 1;
      default -> {
        try {
          int count = Integer.parseInt(text.get());
          if (count < 0 || count > MAX_ENCODERS) {
            throw new NumberFormatException();
          }
          yield count;
        } catch (NumberFormatException e) {
          throw config.error(TRAIN_LAST, "must be \"none\", \"encoder\" or a count in [0, "
              + MAX_ENCODERS + "], got " + CheckpointException.quote(text.get()));
        }
      }
    };
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
