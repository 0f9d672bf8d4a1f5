package io.lckv.converter.config;

import io.lckv.converter.CheckpointException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Parses the {@code layer_types} grammar: {@code _}-separated tokens, one per layer, each a
 * decimal layer index optionally followed by {@code s}.
 *
 * <p>There is no "reader of a non-KV layer" check here: the KV layers are by definition the
 * indices that appear in the string, so any in-range index names a KV layer. Whether the weights
 * agree (k_proj/v_proj present exactly there) is checked against the checkpoint.
 */
final class LayerTypes {

  private static final String FIELD = "layer_types";

  private LayerTypes() {}

  /** Every layer reads itself: a plain Llama, and the default when the field is absent. */
  static List<LayerType> identity(int numLayers) {
    return IntStream.range(0, numLayers).mapToObj(i -> new LayerType(i, false)).toList();
  }

  static List<LayerType> parse(JsonFields config, String text, int numLayers) {
    String[] tokens = text.split("_", -1);
    if (tokens.length != numLayers) {
      throw config.error(
          FIELD,
          "has " + tokens.length + " tokens but num_hidden_layers is " + numLayers + ": "
              + CheckpointException.quote(text));
    }
    var types = new ArrayList<LayerType>(numLayers);
    for (int i = 0; i < tokens.length; i++) {
      types.add(parseToken(config, tokens[i], i, numLayers));
    }
    return List.copyOf(types);
  }

  private static LayerType parseToken(JsonFields config, String token, int layer, int numLayers) {
    boolean windowed = token.endsWith("s");
    String digits = windowed ? token.substring(0, token.length() - 1) : token;
    if (digits.isEmpty()) {
      throw config.error(FIELD, "token " + layer + " is empty");
    }
    // Digits only: no sign, no spaces, no other suffix; at most 9 so the value fits an int.
    if (digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw config.error(
          FIELD,
          "token " + layer + " " + CheckpointException.quote(token)
              + " is not a layer index optionally followed by s");
    }
    int source = Integer.parseInt(digits);
    if (source >= numLayers) {
      throw config.error(
          FIELD,
          "token " + layer + " reads layer " + source + " but there are only " + numLayers
              + " layers (0.." + (numLayers - 1) + ")");
    }
    return new LayerType(source, windowed);
  }
}
